#pragma once

// `download --input LIST`: one transfer per line.

#include "options.h"

namespace Cli {

// Reads LIST ('-': standard input) into o->inputs: "ID URL FILE" per line, blanks between the
// fields, a field with blanks in double quotes; blank lines and lines starting with # are
// skipped. A malformed line refuses the whole list (ExitBadInput, naming LIST and the line).
ParseResult readInputList(const QString &listPath, Options *o);

} // namespace Cli
