add_library(standard_warnings INTERFACE)
target_compile_options(standard_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wpedantic -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # Flow-sensitive: at -O2/-O3 GCC 12 reports false positives inside nlohmann/json.
  $<$<CONFIG:Debug>:-Wnull-dereference>)
if(ASCSYNC_WERROR)
  target_compile_options(standard_warnings INTERFACE -Werror)
endif()

add_library(sanitizers INTERFACE)
if(ASCSYNC_SANITIZE AND ASCSYNC_TSAN)
  message(FATAL_ERROR "ASCSYNC_SANITIZE (ASan+UBSan) and ASCSYNC_TSAN cannot be combined: "
                      "configure a separate build directory for each (scripts/test.sh --tsan uses build-tsan)")
endif()
if(ASCSYNC_SANITIZE)
  # GCC 12 reports false -Wmaybe-uninitialized inside libstdc++ (std::function, std::regex,
  # std::optional) when instrumented; the warning stays on in normal builds.
  # The product (every layer library, ascsync, ascsim) is instrumented. Test sources (targets with
  # the property ASCSYNC_TEST_SOURCES) are not: instrumenting them doubles their compile time, the
  # larger half of the test command's build, and they are linked with the sanitizer runtimes, so
  # the allocator checks (double free, bad free, leaks) and every check inside the libraries and
  # the binaries the black-box tests run still apply (ASan and UBSan support mixing).
  set(_instrumented "$<NOT:$<BOOL:$<TARGET_PROPERTY:ASCSYNC_TEST_SOURCES>>>")
  target_compile_options(sanitizers INTERFACE
    "$<${_instrumented}:-fsanitize=address,undefined;-fno-sanitize-recover=undefined>"
    -fno-omit-frame-pointer -Wno-maybe-uninitialized)
  target_link_options(sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(ASCSYNC_TSAN)
  # ThreadSanitizer (scripts/test.sh --tsan builds with -O1 -g); frame pointers keep the reports'
  # stacks whole.
  target_compile_options(sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(sanitizers INTERFACE -fsanitize=thread)
endif()
