#include <cstdio>

#include "app/commands.h"

namespace ait::app {

int runAuditVerify(const AuditOptions&) {
  std::fputs("aitrading audit verify: the journal component is not part of this build\n", stderr);
  return 2;
}

int runJournalDump(const JournalDumpOptions&) {
  std::fputs("aitrading journal dump: the journal component is not part of this build\n", stderr);
  return 2;
}

}  // namespace ait::app
