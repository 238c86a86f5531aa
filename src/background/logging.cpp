#include "logging.h"

namespace Background {
Q_LOGGING_CATEGORY(lcDownload, "background.download", QtInfoMsg)
Q_LOGGING_CATEGORY(lcEngine, "background.engine", QtInfoMsg)
Q_LOGGING_CATEGORY(lcStore, "background.store", QtInfoMsg)
} // namespace Background
