#include "storerecovery.h"

#include "transferstore.h"

#include <QtCore/QFileInfo>

namespace Background {

/*!
    \class Background::StoreRecovery
    \inmodule Background
    \inheaderfile Background/storerecovery.h
    \brief What recoverStore() found and did.

    The library never moves, repairs or replaces a store on its own. When
    Downloader::storeError() or Uploader::storeError() reports \c StoreError because the
    store is corrupt, another application's database, or from a newer version, the
    application calls recoverStore(), which moves the file aside and starts an empty store,
    and reads what happened from the StoreRecovery it returns:

    \snippet downloader.cpp recover

    \sa recoverStore()
*/

/*!
    \enum Background::StoreRecovery::Status
    \brief How recoverStore() ended.

    \value Healthy The store opened (or did not exist and was created): nothing was moved.
    \value Recovered The store could not be used. It was moved to \l movedTo and a new,
    empty store was created in its place; \l errorString says what was wrong with it.
    \value Failed Nothing was recovered; \l errorString says why. A store that is merely
    locked or out of reach is never moved, and ends here.
*/

/*!
    \variable Background::StoreRecovery::status
    \brief How the recovery ended; \c Failed until recoverStore() fills it in.
*/

/*!
    \variable Background::StoreRecovery::storePath
    \brief The absolute path of the store that was examined.
*/

/*!
    \variable Background::StoreRecovery::movedTo
    \brief Where the unusable store now is, when it was moved.

    The path is the store's own with \c {.broken-} and the UTC time
    (\c yyyyMMdd-HHmmss) appended, and a number when that name is taken. Its \c -wal,
    \c -shm and \c -journal files, when there were any, sit beside it with the same
    suffixes. Empty when nothing was moved.
*/

/*!
    \variable Background::StoreRecovery::errorString
    \brief With \c Recovered, why the old store could not be used; with \c Failed, why it was
    not recovered. Empty when the store was healthy.
*/

/*!
    \fn Background::StoreRecovery Background::recoverStore(const QString &storePath)
    \relates Background::StoreRecovery

    Moves the store at \a storePath aside when it cannot be used, and creates a new, empty
    store in its place. Returns what it found and did.

    A store is unusable when it is corrupt, is another application's SQLite database, or was
    written by a newer version of the library. Downloader::storeError() and
    Uploader::storeError() report it as \c StoreError, and the library never changes such a
    file on its own: the transfers recorded in it might still matter to someone, so only the
    application decides to give them up. Call this then, or offer it to the user.

    A store that opens is left alone (\c Healthy); one that does not exist is created. One
    that cannot be opened for another reason, such as a lock held by another process or
    missing permissions, is not moved (\c Failed): a new store would not help.

    The transfers of the old store are not carried over, and no other file is touched:
    partial files of unfinished downloads stay beside their destinations, and finished
    files where they are. Downloaders and Uploaders created after the recovery use the new
    store; those created before keep failing, so create them again.

    \sa Background::StoreRecovery
*/
StoreRecovery recoverStore(const QString &storePath)
{
    const TransferStore::Recovery r = TransferStore::recover(storePath);
    StoreRecovery out;
    out.storePath = QFileInfo(storePath).absoluteFilePath();
    out.movedTo = r.movedTo;
    out.errorString = r.errorString;
    switch (r.status) {
    case TransferStore::Recovery::Status::Healthy:
        out.status = StoreRecovery::Status::Healthy;
        break;
    case TransferStore::Recovery::Status::Recovered:
        out.status = StoreRecovery::Status::Recovered;
        break;
    case TransferStore::Recovery::Status::Failed:
        out.status = StoreRecovery::Status::Failed;
        break;
    }
    return out;
}

} // namespace Background
