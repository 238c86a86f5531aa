// RetryPolicy::delayForRetry takes its randomness as an argument, so the jitter is tested
// with chosen values instead of statistics.

#include "retrypolicy.h"

#include <QtTest/QTest>

#include <climits>
#include <cmath>
#include <limits>

using Background::RetryPolicy;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// The largest double below 1: the top of what a [0, 1) generator can return.
const double almostOne = std::nextafter(1.0, 0.0);

RetryPolicy policy(qint64 baseMs, qint64 maxMs, qint64 maxRetryAfterS)
{
    RetryPolicy p;
    p.baseDelay = milliseconds(baseMs);
    p.maxDelay = milliseconds(maxMs);
    p.maxRetryAfter = seconds(maxRetryAfterS);
    return p;
}

} // namespace

class tst_RetryPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void delayForRetry_data();
    void delayForRetry();
    void growsUntilTheCap();
    void staysWithinTheCeiling();
    void extremeSettingsDoNotOverflow();
};

void tst_RetryPolicy::delayForRetry_data()
{
    QTest::addColumn<qint64>("baseMs");
    QTest::addColumn<qint64>("maxMs");
    QTest::addColumn<qint64>("maxRetryAfterS");
    QTest::addColumn<int>("retry");
    QTest::addColumn<bool>("hasRetryAfter");
    QTest::addColumn<qint64>("retryAfterS");
    QTest::addColumn<double>("random01");
    QTest::addColumn<qint64>("expectedMs");

    // Defaults: 1 s base, 5 min cap, Retry-After up to 1 h.
    const auto row = [](const char *name,
                        int retry,
                        double random01,
                        qint64 expectedMs,
                        bool hasRetryAfter = false,
                        qint64 retryAfterS = 0) {
        QTest::newRow(name) << qint64(1000) << qint64(300000) << qint64(3600) << retry
                            << hasRetryAfter << retryAfterS << random01 << expectedMs;
    };

    // random01 = 0 means "retry at once" unless the server asked for a wait.
    row("retry 1, random 0", 1, 0.0, 0);
    row("retry 5, random 0", 5, 0.0, 0);
    row("retry 1000, random 0", 1000, 0.0, 0);

    // random01 close to 1 reaches the ceiling min(maxDelay, base * 2^(n-1)).
    row("retry 1, almost 1", 1, almostOne, 1000);
    row("retry 2, almost 1", 2, almostOne, 2000);
    row("retry 3, almost 1", 3, almostOne, 4000);
    row("retry 9, almost 1", 9, almostOne, 256000);
    row("retry 10, almost 1, capped", 10, almostOne, 300000);
    row("retry 30, almost 1, capped", 30, almostOne, 300000);

    // Growth per retry, halfway up the interval.
    row("retry 1, half", 1, 0.5, 500);
    row("retry 2, half", 2, 0.5, 1000);
    row("retry 3, half", 3, 0.5, 2000);
    row("retry 4, half", 4, 0.5, 4000);
    row("retry 10, half, capped", 10, 0.5, 150000);
    row("retry 1, quarter", 1, 0.25, 250);

    // base * 2^(n-1) would overflow any integer type long before these.
    row("retry 62", 62, almostOne, 300000);
    row("retry 63", 63, almostOne, 300000);
    row("retry 64", 64, almostOne, 300000);
    row("retry 65", 65, almostOne, 300000);
    row("retry 1000", 1000, almostOne, 300000);
    row("retry 1000, half", 1000, 0.5, 150000);
    row("retry INT_MAX", INT_MAX, almostOne, 300000);

    // Out-of-contract arguments degrade to the nearest sensible value.
    row("retry 0 counts as 1", 0, 0.5, 500);
    row("negative retry counts as 1", -3, 0.5, 500);
    row("INT_MIN retry counts as 1", INT_MIN, 0.5, 500);
    row("random exactly 1", 3, 1.0, 4000);
    row("random above 1", 3, 7.5, 4000);
    row("negative random", 3, -0.5, 0);
    row("NaN random", 3, std::numeric_limits<double>::quiet_NaN(), 0);
    row("infinite random", 3, std::numeric_limits<double>::infinity(), 4000);

    // Retry-After is a floor under the jitter.
    row("Retry-After floor over random 0", 1, 0.0, 7000, true, 7);
    row("Retry-After floor over small jitter", 1, almostOne, 7000, true, 7);
    row("jitter above Retry-After", 9, 0.5, 128000, true, 7);
    row("Retry-After 0", 3, 0.5, 2000, true, 0);
    row("Retry-After above maxDelay is kept", 1, 0.0, 600000, true, 600);
    row("Retry-After at maxRetryAfter", 1, 0.0, 3600000, true, 3600);
    row("Retry-After above maxRetryAfter is clamped", 1, 0.0, 3600000, true, 7200);
    row("Retry-After clamped, retry 1000", 1000, almostOne, 3600000, true, 7200);
    row("huge Retry-After is clamped", 1, 0.5, 3600000, true, std::numeric_limits<qint64>::max());
    row("negative Retry-After is no floor", 3, 0.5, 2000, true, -5);

    const auto custom = [](const char *name,
                           qint64 baseMs,
                           qint64 maxMs,
                           qint64 maxRetryAfterS,
                           int retry,
                           double random01,
                           qint64 expectedMs,
                           bool hasRetryAfter = false,
                           qint64 retryAfterS = 0) {
        QTest::newRow(name) << baseMs << maxMs << maxRetryAfterS << retry << hasRetryAfter
                            << retryAfterS << random01 << expectedMs;
    };
    custom("zero base", 0, 300000, 3600, 5, almostOne, 0);
    custom("zero base with Retry-After", 0, 300000, 3600, 5, almostOne, 3000, true, 3);
    custom("zero cap", 1000, 0, 3600, 5, almostOne, 0);
    custom("base above cap", 10000, 5000, 3600, 1, almostOne, 5000);
    custom("cap not a power of two", 1000, 3000, 3600, 3, almostOne, 3000);
    custom("zero maxRetryAfter ignores Retry-After", 1000, 300000, 0, 1, 0.0, 0, true, 60);
    custom("negative base", -1000, 300000, 3600, 3, almostOne, 0);
    custom("negative cap", 1000, -5, 3600, 3, almostOne, 0);
    custom("negative maxRetryAfter", 1000, 300000, -10, 1, 0.0, 0, true, 60);
    custom("1 ms base, retry 40, no cap",
           1,
           std::numeric_limits<qint64>::max(),
           3600,
           40,
           0.5,
           qint64(1) << 38);
}

void tst_RetryPolicy::delayForRetry()
{
    QFETCH(qint64, baseMs);
    QFETCH(qint64, maxMs);
    QFETCH(qint64, maxRetryAfterS);
    QFETCH(int, retry);
    QFETCH(bool, hasRetryAfter);
    QFETCH(qint64, retryAfterS);
    QFETCH(double, random01);
    QFETCH(qint64, expectedMs);

    const RetryPolicy p = policy(baseMs, maxMs, maxRetryAfterS);
    const std::optional<seconds> retryAfter
            = hasRetryAfter ? std::optional<seconds>(retryAfterS) : std::nullopt;
    QCOMPARE(qint64(p.delayForRetry(retry, retryAfter, random01).count()), expectedMs);
}

void tst_RetryPolicy::growsUntilTheCap()
{
    const RetryPolicy p; // the defaults: 1 s doubling up to 5 min
    qint64 previous = 0;
    for (int retry = 1; retry <= 70; ++retry) {
        const qint64 ceiling = p.delayForRetry(retry, std::nullopt, almostOne).count();
        const qint64 expected = retry <= 9 ? (qint64(1000) << (retry - 1)) : 300000;
        QCOMPARE(ceiling, expected);
        QVERIFY(ceiling >= previous);
        previous = ceiling;
    }
}

void tst_RetryPolicy::staysWithinTheCeiling()
{
    // A sweep over [0, 1) stands in for the random generator: every value is inside
    // [0, ceiling], and the delays never decrease as random01 grows.
    const RetryPolicy p;
    for (int retry : {1, 2, 5, 9, 10, 100}) {
        const qint64 ceiling = p.delayForRetry(retry, std::nullopt, almostOne).count();
        qint64 previous = 0;
        for (int step = 0; step < 1000; ++step) {
            const double random01 = step / 1000.0;
            const qint64 delay = p.delayForRetry(retry, std::nullopt, random01).count();
            QVERIFY2(delay >= previous && delay <= ceiling,
                     qPrintable(QStringLiteral("retry %1, random %2: %3 ms")
                                        .arg(retry)
                                        .arg(random01)
                                        .arg(delay)));
            previous = delay;
        }
    }
}

void tst_RetryPolicy::extremeSettingsDoNotOverflow()
{
    RetryPolicy p;
    p.baseDelay = milliseconds(std::numeric_limits<milliseconds::rep>::max() / 2);
    p.maxDelay = milliseconds::max();
    p.maxRetryAfter = seconds::max();

    // Doubling a huge base once fits, twice does not; both must land in [0, max].
    for (int retry : {1, 2, 3, 64, 1000}) {
        for (double random01 : {0.0, 0.5, almostOne}) {
            const qint64 delay = p.delayForRetry(retry, std::nullopt, random01).count();
            QVERIFY(delay >= 0);
            if (random01 == 0.0)
                QCOMPARE(delay, 0);
        }
    }
    QCOMPARE(p.delayForRetry(3, std::nullopt, almostOne).count(),
             p.delayForRetry(1000, std::nullopt, almostOne).count());

    // seconds::max() in milliseconds does not fit: the floor saturates instead of wrapping.
    QCOMPARE(p.delayForRetry(1, seconds::max(), 0.0), milliseconds::max());
}

QTEST_GUILESS_MAIN(tst_RetryPolicy)
#include "tst_retrypolicy.moc"
