#include <cstdio>
int main() { std::puts("aitrading"); return 0; }
