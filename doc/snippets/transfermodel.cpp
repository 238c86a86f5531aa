// Code the TransferModel reference quotes. Compiled with the tests, never run.

#include <Background/sessionconfiguration.h>
#include <Background/transfermodel.h>

#include <QtCore/QDebug>
#include <QtCore/QSortFilterProxyModel>

namespace TransferModelSnippets {

//! [unfinished]
// Only the transfers that have no result yet, for a "running now" list.
class UnfinishedTransfers : public QSortFilterProxyModel
{
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex index = sourceModel()->index(row, 0, parent);
        return index.data(Background::TransferModel::OutcomeRole).toInt() < 0;
    }
};
//! [unfinished]

void follow(QObject *parent, const Background::SessionConfiguration &config)
{
    //! [model]
    auto *transfers = new Background::TransferModel(config, parent);
    auto *unfinished = new UnfinishedTransfers(parent);
    unfinished->setSourceModel(transfers);
    // view->setModel(unfinished) in a widget app; in QML, the TransferModel type does the same.

    QObject::connect(transfers,
                     &QAbstractItemModel::dataChanged,
                     parent,
                     [transfers](const QModelIndex &first, const QModelIndex &last) {
                         for (int row = first.row(); row <= last.row(); ++row) {
                             const QModelIndex index = transfers->index(row);
                             qDebug() << index.data(Background::TransferModel::IdentifierRole)
                                      << index.data(Background::TransferModel::ProgressRole);
                         }
                     });
    //! [model]
}

} // namespace TransferModelSnippets
