#pragma once

#include <QtCore/QLoggingCategory>

namespace Background {
Q_DECLARE_LOGGING_CATEGORY(lcDownload) // background.download
Q_DECLARE_LOGGING_CATEGORY(lcEngine)   // background.engine
Q_DECLARE_LOGGING_CATEGORY(lcStore)    // background.store
} // namespace Background
