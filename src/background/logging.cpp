#include "logging.h"

namespace Background {
Q_LOGGING_CATEGORY(lcDownload, "background.download", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEngine, "background.engine", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "background.store", QtInfoMsg)
Q_LOGGING_CATEGORY(lcUpload, "background.upload", QtInfoMsg)
Q_LOGGING_CATEGORY(lcNetwork, "background.network", QtInfoMsg)
} // namespace Background
