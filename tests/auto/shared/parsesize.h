#pragma once

// Byte counts on the command lines of the test programs (bg-faultserver, crash_child).

#include <QtCore/QString>

namespace FaultTest {

// "1048576", "512K", "64M", "1G" (binary multiples; a trailing "B"/"iB" is tolerated).
// False, leaving *out alone, for anything else, a negative value or an overflow.
bool parseSize(const QString &text, qint64 *out);

} // namespace FaultTest
