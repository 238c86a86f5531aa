// Retry-After and HTTP-dates (Http::parseRetryAfter, Http::parseHttpDate): the whole input is
// the header value.

#include "fuzzcheck.h"
#include "httprules.h"

#include <QtCore/QDate>
#include <QtCore/QTime>

#include <limits>

using namespace Background;

namespace {

constexpr qint64 MaxSeconds = std::numeric_limits<qint32>::max();

const char *const Months[]
        = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
const char *const Days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
const char *const LongDays[]
        = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// Our own formatter, so a parsed date can be written out in each form and read back.
QByteArray format(const QDateTime &dt, int form)
{
    const QDate d = dt.date();
    const QTime t = dt.time();
    char buf[96];
    const char *day = Days[d.dayOfWeek() - 1];
    const char *month = Months[d.month() - 1];
    switch (form) {
    case 0:
        std::snprintf(buf,
                      sizeof buf,
                      "%s, %02d %s %04d %02d:%02d:%02d GMT",
                      day,
                      d.day(),
                      month,
                      d.year(),
                      t.hour(),
                      t.minute(),
                      t.second());
        break;
    case 1:
        std::snprintf(buf,
                      sizeof buf,
                      "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
                      LongDays[d.dayOfWeek() - 1],
                      d.day(),
                      month,
                      d.year() % 100,
                      t.hour(),
                      t.minute(),
                      t.second());
        break;
    default:
        std::snprintf(buf,
                      sizeof buf,
                      "%s %s %2d %02d:%02d:%02d %04d",
                      day,
                      month,
                      d.day(),
                      t.hour(),
                      t.minute(),
                      t.second(),
                      d.year());
        break;
    }
    return QByteArray(buf);
}

bool allDigits(const QByteArray &s)
{
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
    }
    return !s.isEmpty();
}

qint64 saturatedDecimal(const QByteArray &s)
{
    qint64 v = 0;
    for (char c : s) {
        if (v > (MaxSeconds - (c - '0')) / 10)
            return MaxSeconds;
        v = v * 10 + (c - '0');
    }
    return v;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const QDateTime now(QDate(2026, 11, 28), QTime(12, 0), Qt::UTC);
    const QByteArray value = FuzzInput::bytes(data, size);
    const QByteArray trimmed = value.trimmed();

    const auto delay = Http::parseRetryAfter(value, now);
    if (delay)
        FUZZ_CHECK(delay->count() >= 0 && delay->count() <= MaxSeconds);

    const QDateTime date = Http::parseHttpDate(value);
    if (allDigits(trimmed)) {
        FUZZ_CHECK(delay && delay->count() == saturatedDecimal(trimmed));
        FUZZ_CHECK(!date.isValid());
        return 0;
    }
    if (!trimmed.isEmpty() && trimmed.front() >= '0' && trimmed.front() <= '9') {
        FUZZ_CHECK(!delay); // a digit start is delta-seconds or nothing
        return 0;
    }
    // The two parse the same grammar; only a two-digit year may land a century apart, which
    // never changes whether the date exists.
    FUZZ_CHECK(delay.has_value() == date.isValid());
    if (!date.isValid())
        return 0;
    FUZZ_CHECK(date.timeSpec() == Qt::UTC);
    bool delayMatches = false;
    for (int years : {0, -100, 100}) {
        const qint64 delta = now.secsTo(date.addYears(years));
        delayMatches = delayMatches || delay->count() == qBound(qint64(0), delta, MaxSeconds);
    }
    FUZZ_CHECK(delayMatches);

    // Written out again in each form, the date reads back the same.
    const int year = date.date().year();
    FUZZ_CHECK(year >= 1 && year <= 9999);
    FUZZ_CHECK(Http::parseHttpDate(format(date, 0)) == date);
    FUZZ_CHECK(Http::parseHttpDate(format(date, 2)) == date);
    if (year >= 1950 && year <= 2049)
        FUZZ_CHECK(Http::parseHttpDate(format(date, 1)) == date);
    return 0;
}
