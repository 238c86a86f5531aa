#include "retrypolicy.h"

#include <QtCore/QtGlobal>

#include <algorithm>
#include <cmath>
#include <limits>

namespace Background {

/*!
    \class Background::RetryPolicy
    \inmodule Background
    \inheaderfile Background/retrypolicy.h
    \brief When and how often a transfer is tried again after a transient failure.

    A transient failure is one that may well pass: the status 408, 429, 500, 502, 503 or 504, a
    connection that dropped after the server answered, an attempt that stalled (see
    SessionConfiguration::stallTimeout()). The library does not report it to the app at once:
    it waits and tries again, as often as maxRetries allows. Only when those retries are used
    up does the transfer end, with the outcome \c Retry (see \l Background::NetworkResponse).
    Every other failure ends the transfer at once.

    The wait before retry \e n is a random time between zero and
    \c {baseDelay * 2^(n-1)}, capped at maxDelay: exponential backoff with "full jitter",
    which keeps many clients that failed together from coming back together. When the server
    sent a Retry-After field, the wait is at least that long (capped at maxRetryAfter): an
    earlier retry would only be refused. With the defaults, the waits before the five
    retries are at most 1, 2, 4, 8 and 16 seconds.

    An attempt that moved the transfer forward (a download that received bytes, a tus upload
    whose server offset advanced) does not count against maxRetries, so a long download over
    a flaky connection is not given up while it makes progress. The due time of a waiting
    transfer is kept in the store: a restart does not retry it early. While it waits, a
    transfer is in the state TransferInfo::Waiting, and TransferInfo::nextAttemptAt says when
    it runs again.

    RetryPolicy is a plain struct: set its fields and pass it to
    SessionConfiguration::setRetryPolicy().

    \snippet configuration.cpp retry-policy

    \sa SessionConfiguration::retryPolicy(), NetworkResponse::retryAfter()
*/

/*!
    \variable Background::RetryPolicy::maxRetries
    \brief How many times a transient failure is retried before the transfer ends as \c Retry.

    The default is 5: up to six attempts in all, not counting attempts that made progress. 0
    reports the first transient failure as it is, without retrying, even after progress.
*/

/*!
    \variable Background::RetryPolicy::baseDelay
    \brief The upper bound of the wait before the first retry; each further retry doubles it.

    The default is one second.
*/

/*!
    \variable Background::RetryPolicy::maxDelay
    \brief The largest upper bound of the wait before a retry, however many came before.

    The default is five minutes. A server's Retry-After can make a wait longer than this, up
    to maxRetryAfter.
*/

/*!
    \variable Background::RetryPolicy::maxRetryAfter
    \brief The longest wait a server's Retry-After field can impose.

    The default is one hour. A longer Retry-After counts as this long, both for the wait before
    a retry and in the NetworkResponse::retryAfter() of a \c Retry result.
*/

/*!
    \fn std::chrono::milliseconds Background::RetryPolicy::delayForRetry(int retry, std::optional<std::chrono::seconds> retryAfter, double random01) const

    Returns the wait before retry number \a retry (1 for the first retry): \a random01 times
    the smaller of maxDelay and \c {baseDelay * 2^(retry-1)}, but at least \a retryAfter (the
    server's Retry-After, capped at maxRetryAfter) when it is set.

    \a random01 is a random value in [0, 1) that the caller draws, which keeps this function
    free of side effects and easy to test. Values out of range are brought into it: a
    \a retry below 1 counts as 1, negative delays as 0, a \a random01 below 0 (or NaN) as 0 and
    one above 1 as 1. The result is never negative.
*/

/*!
    \fn bool Background::RetryPolicy::operator==(const Background::RetryPolicy &a, const Background::RetryPolicy &b)

    Returns \c true when \a a and \a b have the same value in every field.
*/
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
