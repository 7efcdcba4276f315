// Quarry — the parts of libxml2 the streaming readers use.
#ifndef QUARRY_CLIBXML2_SHIM_H
#define QUARRY_CLIBXML2_SHIM_H

// Debian's libxml2 is built with ICU; its encoding.h then includes the system ICU
// headers, which clash with Foundation's own ICU module in debug builds. Quarry never
// touches xmlCharEncodingHandler, so the ICU parts are switched off here.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

#endif
