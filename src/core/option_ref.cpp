#include "difflab/core/option_ref.hpp"

namespace difflab {

std::string option_ref(std::string_view key) {
  std::string s = "option '";
  s += key;
  s += '\'';
  return s;
}

std::string option_flag(std::string_view key) {
  std::string flag = "--";
  for (char c : key) flag += c == '_' ? '-' : c;
  return flag;
}

namespace {

bool option_ref_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

std::string render_option_refs_as_flags(std::string_view message,
                                        const std::function<bool(const std::string&)>& is_flag) {
  constexpr std::string_view kOpen = "option '";
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t at = message.find(kOpen, pos);
    if (at == std::string_view::npos) break;
    std::size_t end = at + kOpen.size();
    while (end < message.size() && option_ref_key_char(message[end])) ++end;
    const bool is_ref = end > at + kOpen.size() && end < message.size() && message[end] == '\'';
    const std::string flag =
        is_ref ? option_flag(message.substr(at + kOpen.size(), end - at - kOpen.size())) : "";
    out += message.substr(pos, at - pos);
    if (is_ref && is_flag(flag)) {
      out += "option " + flag;
      pos = end + 1;
    } else {
      out += kOpen;
      pos = at + kOpen.size();
    }
  }
  out += message.substr(pos);
  return out;
}

}  // namespace difflab
