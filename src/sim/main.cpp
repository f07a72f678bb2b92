#include <cstdio>

int main() {
  std::fprintf(stderr, "ascsim: not built yet\n");
  return 1;
}
