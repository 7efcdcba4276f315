// Quarry — QuarrySimulator tests.

import Testing
@testable import QuarrySimulator
