#include "retrypolicy.h"

#include <QtCore/QtGlobal>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Background {

std::chrono::milliseconds RetryPolicy::delayForRetry(int retry,
                                                     std::optional<std::chrono::seconds> retryAfter,
                                                     double random01) const
{
    using std::chrono::milliseconds;
    constexpr qint64 maxMs = std::numeric_limits<qint64>::max();

    // Nonsense settings or arguments degrade to the nearest sensible value rather than
    // producing a negative or undefined delay.
    const qint64 base = std::max<qint64>(0, baseDelay.count());
    const qint64 cap = std::max<qint64>(0, maxDelay.count());
    const int exponent = std::min(std::max(retry, 1) - 1, 63);
    if (!(random01 >= 0.0)) // also catches NaN
        random01 = 0.0;
    random01 = std::min(random01, 1.0);

    // base * 2^exponent, without ever computing it when it would exceed the cap:
    // base > floor(cap / 2^exponent) exactly when base * 2^exponent > cap.
    // (cap >> 63 is 0, so a huge exponent always lands on the cap.)
    const qint64 ceiling = base > (cap >> exponent) ? cap : (base << exponent);

    // Round rather than truncate so that the interval is [0, ceiling] inclusive, as documented.
    const double scaled = random01 * double(ceiling);
    const qint64 jittered = scaled >= double(ceiling) ? ceiling : qint64(std::llround(scaled));

    qint64 floor = 0;
    if (retryAfter) {
        const qint64 limit = std::max<qint64>(0, maxRetryAfter.count());
        const qint64 seconds = std::clamp<qint64>(retryAfter->count(), 0, limit);
        floor = seconds > maxMs / 1000 ? maxMs : seconds * 1000;
    }

    // The server's Retry-After is a floor, not a cap: retrying sooner would only be refused.
    return milliseconds(std::max(jittered, floor));
}

} // namespace Background
