// Quarry — QuarryQualys module.
import CLibXML2
import Foundation
import QuarryCore

let _libxmlVersion = LIBXML_DOTTED_VERSION
