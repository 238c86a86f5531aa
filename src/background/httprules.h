#pragma once

// HTTP rules as pure functions: no I/O, no clocks of their own, tested in isolation.

#include "background_private_export.h"
#include "networkresponse.h"

#include <QtCore/QByteArray>
#include <QtCore/QDateTime>
#include <QtCore/QUrl>

#include <chrono>
#include <optional>

namespace Background::Http {

// The outcome an HTTP status stands for, before any retry policy:
// 2xx Success; 408, 429, 500, 502, 503, 504 Retry; 3xx (reaching here means unfollowable),
// other 4xx and other 5xx Rejected; anything else (1xx, < 100, > 599) Failed.
BACKGROUND_AUTOTEST_EXPORT NetworkResponse::Outcome outcomeForStatus(int status);

BACKGROUND_AUTOTEST_EXPORT bool isRedirectStatus(int status); // 301, 302, 303, 307, 308

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate, RFC 850, asctime), relative to now.
// A date in the past gives 0 s. Garbage, negative or empty values give nullopt.
BACKGROUND_AUTOTEST_EXPORT std::optional<std::chrono::seconds>
parseRetryAfter(const QByteArray &value, const QDateTime &now);

// An HTTP-date in any of the three RFC 9110 forms; invalid QDateTime when it is not one.
BACKGROUND_AUTOTEST_EXPORT QDateTime parseHttpDate(const QByteArray &value);

struct ContentRange
{
    qint64 first = -1; // -1 for "bytes */N"
    qint64 last = -1;
    qint64 complete = -1; // -1 for "/*"
    bool isUnsatisfied() const { return first < 0; }
};

// "bytes 100-199/1000", "bytes 100-199/*", "bytes */1000"; nullopt when malformed or
// inconsistent (last < first, last >= complete).
BACKGROUND_AUTOTEST_EXPORT std::optional<ContentRange> parseContentRange(const QByteArray &value);

BACKGROUND_AUTOTEST_EXPORT bool isWeakETag(const QByteArray &etag);

// The If-Range value that proves the entity unchanged: a strong ETag, else Last-Modified when
// it is an HTTP-date, else empty (then a resume cannot be proven safe and must start over).
BACKGROUND_AUTOTEST_EXPORT QByteArray ifRangeValidator(const QByteArray &etag,
                                                       const QByteArray &lastModified);

// Same scheme, host and port (default ports made explicit).
BACKGROUND_AUTOTEST_EXPORT bool isSameOrigin(const QUrl &a, const QUrl &b);

enum class RedirectCheck {
    Allowed,
    NotHttp,   // target scheme is not http or https (file:, ftp:, ...)
    Downgrade, // https -> http
    Invalid,   // empty or unparsable Location
};
// Resolves location against from (relative Locations are allowed) into target.
BACKGROUND_AUTOTEST_EXPORT RedirectCheck checkRedirect(const QUrl &from,
                                                       const QByteArray &location,
                                                       QUrl *target);

BACKGROUND_AUTOTEST_EXPORT bool isHttpUrl(const QUrl &url); // http or https with a host

// Limits on a response head; Qt 6.4 sets none, so a server could make us hold any amount.
constexpr int MaxResponseHeaderFields = 100;               // after Qt merges repeated names
constexpr qint64 MaxResponseHeadBytes = qint64(64) * 1024; // names and values together

// A Content-Length value: decimal digits that fit qint64, or a list of one value repeated
// ("5, 5", as a proxy may merge them). Anything else, including a sign, is nullopt.
BACKGROUND_AUTOTEST_EXPORT std::optional<qint64> parseContentLength(const QByteArray &value);

// Why a response head must be refused: too many or too large fields, none at all (Qt 6.4
// drops every field of a head past its own limits, and real servers send at least a Date or
// a length), or a malformed or contradictory Content-Length. Empty when it may be used.
BACKGROUND_AUTOTEST_EXPORT QString responseHeadProblem(const HeaderList &headers);

} // namespace Background::Http
