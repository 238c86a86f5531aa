#pragma once

// A transfer's speed, smoothed so a UI shows a number people can read, and the time left.

#include "background_private_export.h"

#include <QtCore/QtGlobal>

namespace Background {

class BACKGROUND_AUTOTEST_EXPORT SpeedMeter
{
public:
    // Samples older than about this much weigh little (exponential smoothing).
    static constexpr qint64 WindowMs = 3000;

    // `bytes` done at `nowMs`; fewer bytes than before (a restart from zero) starts over.
    void sample(qint64 nowMs, qint64 bytes);
    qint64 bytesPerSecond() const; // 0 until two samples some time apart
    // Seconds until `total`, rounded up; -1 when the total or the speed is unknown.
    qint64 etaSeconds(qint64 total) const;
    qint64 bytes() const { return m_lastBytes; }

private:
    qint64 m_lastMs = -1;
    qint64 m_lastBytes = 0;
    double m_rate = 0;
    bool m_hasRate = false;
};

} // namespace Background
