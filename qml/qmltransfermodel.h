#pragma once

// TransferModel { storePath: ... } — the library's model as it is, registered from here so the
// library itself stays free of QtQml.

#include "transfermodel.h"

#include <QtQml/qqml.h>

namespace Background {

struct QmlTransferModelForeign
{
    Q_GADGET
    QML_FOREIGN(Background::TransferModel)
    QML_NAMED_ELEMENT(TransferModel)
};

} // namespace Background
