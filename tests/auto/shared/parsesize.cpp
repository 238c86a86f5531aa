#include "parsesize.h"

#include <limits>

namespace FaultTest {

bool parseSize(const QString &text, qint64 *out)
{
    QString t = text.trimmed().toUpper();
    if (t.endsWith(QLatin1String("IB")))
        t.chop(2);
    else if (t.endsWith(QLatin1Char('B')))
        t.chop(1);
    qint64 factor = 1;
    if (t.endsWith(QLatin1Char('K')))
        factor = Q_INT64_C(1) << 10;
    else if (t.endsWith(QLatin1Char('M')))
        factor = Q_INT64_C(1) << 20;
    else if (t.endsWith(QLatin1Char('G')))
        factor = Q_INT64_C(1) << 30;
    else if (t.endsWith(QLatin1Char('T')))
        factor = Q_INT64_C(1) << 40;
    if (factor != 1)
        t.chop(1);
    bool ok = false;
    const qint64 value = t.toLongLong(&ok);
    if (!ok || value < 0 || value > std::numeric_limits<qint64>::max() / factor)
        return false;
    *out = value * factor;
    return true;
}

} // namespace FaultTest
