#pragma once

#include "background_private_export.h"

#include <QtCore/QObject>

namespace Background {

// Time and randomness for scheduling, replaceable in tests so backoff is deterministic.
class BACKGROUND_AUTOTEST_EXPORT Clock : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    virtual qint64 nowMs() const; // milliseconds since the epoch, UTC
    virtual double random01();    // uniform in [0, 1), for retry jitter

Q_SIGNALS:
    // A manual clock moved; anything waiting for a due time must look again.
    void advanced();
};

class BACKGROUND_AUTOTEST_EXPORT ManualClock : public Clock
{
    Q_OBJECT
public:
    explicit ManualClock(qint64 startMs, QObject *parent = nullptr);
    qint64 nowMs() const override { return m_now; }
    double random01() override { return m_random; }
    void setRandom(double value) { m_random = value; }
    void advance(qint64 ms);

private:
    qint64 m_now;
    double m_random = 0.5;
};

} // namespace Background
