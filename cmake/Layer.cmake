# ascsync_layer(NAME DEPS ...): one static library per architectural layer, built from every
# .cpp in src/<NAME>/ (main.cpp excluded). Dependencies are explicit so the linker enforces the
# layering in docs/ARCHITECTURE.md.
function(ascsync_layer name)
  cmake_parse_arguments(L "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${name}/*.cpp)
  list(FILTER srcs EXCLUDE REGEX ".*/main\\.cpp$")
  if(srcs)
    add_library(ascsync_${name} STATIC ${srcs})
    target_include_directories(ascsync_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(ascsync_${name} PUBLIC ${L_DEPS} sanitizers PRIVATE standard_warnings)
  else()
    add_library(ascsync_${name} INTERFACE)
    target_include_directories(ascsync_${name} INTERFACE ${CMAKE_SOURCE_DIR}/src)
    target_link_libraries(ascsync_${name} INTERFACE ${L_DEPS})
  endif()
endfunction()
