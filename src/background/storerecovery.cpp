#include "storerecovery.h"

#include "transferstore.h"

#include <QtCore/QFileInfo>

namespace Background {

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
