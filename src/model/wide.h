#pragma once
// 128-bit integers for exact intermediate products (int64 x int64, or x 10^18) in checked
// decimal arithmetic. __extension__ keeps -Wpedantic quiet about the GCC/Clang builtin type.

namespace ait::model {

__extension__ typedef __int128 Int128;

}  // namespace ait::model
