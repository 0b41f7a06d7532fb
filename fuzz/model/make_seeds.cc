// Writes a seed corpus for the model fuzz targets: every sample event encoded (and a version-1
// SubmitOrder), their JSON renderings, and scalar texts. Usage: model_fuzz_seeds DIR, which
// creates DIR/decode, DIR/json and DIR/parse.

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ait/model/codec.h"
#include "ait/model/json.h"
#include "unit/model/samples.h"

namespace {

void write(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ait::model;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path root(argv[1]);
  for (const char* sub : {"decode", "json", "parse"}) std::filesystem::create_directories(root / sub);

  int n = 0;
  for (const Event& event : test::sampleEvents()) {
    std::array<std::byte, kMaxEncodedSize> buffer{};
    auto size = encode(event, buffer);
    if (!size) return 1;
    std::string name(nameOf(typeOf(event)));
    write(root / "decode" / name, std::string_view(reinterpret_cast<const char*>(buffer.data()), *size));
    write(root / "json" / name, toJson(event).dump());
    ++n;
  }
  write(root / "json" / "api_submit",
        R"({"type":"submit_order","client_order_id":"c-1","account":"A","instrument":"EURUSD@MT5",)"
        R"("side":"buy","order_type":"limit","time_in_force":"gtd","quantity":"0.10","price":1.1,)"
        R"("expire_time":"2024-01-03T01:00:00+01:00","confidence":0.5})");

  // Mode byte, scale byte, text: see parse_fuzz.cc.
  const std::pair<char, std::string_view> texts[] = {
      {0, "1.10235"}, {0, "-9.223372036854775808"}, {0, "1.5e-3"}, {0, ".5"},
      {1, "100.25"},  {3, "2024-01-02T03:04:05.123456789+01:00"},   {3, "2024-02-29"},
      {4, "15m"},     {5, "EURUSD@MT5"}};
  int k = 0;
  for (const auto& [mode, text] : texts) {
    std::string bytes;
    bytes += mode;
    bytes += static_cast<char>(5);
    bytes += text;
    write(root / "parse" / ("text" + std::to_string(k++)), bytes);
  }
  std::string fromDouble = {2, 5};
  double value = 1.005;
  fromDouble.append(reinterpret_cast<const char*>(&value), sizeof(value));
  write(root / "parse" / "double", fromDouble);
  std::printf("wrote %d events and %d texts under %s\n", n, k + 1, root.c_str());
  return 0;
}
