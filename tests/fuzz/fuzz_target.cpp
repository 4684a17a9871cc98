// The libFuzzer entry point (built with -DOWNGIL_FUZZ=ON and clang, under ASan and UBSan):
// every input is one source file through the whole pipeline (pipeline.h).
#include <cstddef>
#include <cstdint>
#include <string>

#include "pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  owngil::fuzz::run_pipeline(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
