#pragma once

#include <QtCore/QLoggingCategory>

namespace Background {
Q_DECLARE_LOGGING_CATEGORY(lcDownload) // background.download
Q_DECLARE_LOGGING_CATEGORY(lcEngine)   // background.engine
Q_DECLARE_LOGGING_CATEGORY(lcNetwork)  // background.network
Q_DECLARE_LOGGING_CATEGORY(lcStore)    // background.store
Q_DECLARE_LOGGING_CATEGORY(lcUpload)   // background.upload
} // namespace Background
