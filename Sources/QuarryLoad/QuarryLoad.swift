// Quarry — QuarryLoad module.
import CZlib
import Foundation
import QuarryCore

let _zlibVersion = ZLIB_VERSION
