#include "mfaphone/internal/log.hpp"

#include <cctype>

namespace mfaphone {

std::string maskPhoneNumber(std::string_view number) {
    // Keep "+CC " (country code up to the first space) and the last two digits.
    std::size_t keepPrefix = 0;
    if (!number.empty() && number[0] == '+') {
        auto space = number.find(' ');
        keepPrefix = space == std::string_view::npos ? 1 : space + 1;
    }
    std::size_t digits = 0;
    for (std::size_t i = keepPrefix; i < number.size(); ++i)
        if (std::isdigit(static_cast<unsigned char>(number[i]))) ++digits;
    std::string out(number.substr(0, keepPrefix));
    std::size_t seen = 0;
    for (std::size_t i = keepPrefix; i < number.size(); ++i) {
        char c = number[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            ++seen;
            out += (seen + 2 > digits) ? c : '*';
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace mfaphone
