#pragma once

#include "background_export.h"

#include <QtCore/QObject>
#include <QtCore/QString>

namespace Background {

// What recoverStore() found and did.
struct BACKGROUND_EXPORT StoreRecovery
{
    Q_GADGET
public:
    enum class Status {
        Healthy,   // the store opened: nothing was moved
        Recovered, // the unusable store was moved to movedTo and a new, empty one created
        Failed,    // see errorString; a store that was not unusable is never moved
    };
    Q_ENUM(Status)

    Status status = Status::Failed;
    QString storePath;   // absolute
    QString movedTo;     // Recovered: the old store; its -wal and -shm sit beside it
    QString errorString; // Recovered: why the old store could not be used; Failed: why not
};

// For a store that Downloader/Uploader::storeError() reports as unusable (corrupt, another
// application's SQLite database, or written by a newer version): moves it aside under a
// timestamped name and creates an empty store in its place. A store that opens, or one that
// merely cannot be reached (locked, permissions), is left where it is. Partial and
// destination files are never touched; transfers in the old store are not carried over.
// Downloaders and Uploaders created afterwards use the new store; existing ones keep failing.
BACKGROUND_EXPORT StoreRecovery recoverStore(const QString &storePath);

} // namespace Background
