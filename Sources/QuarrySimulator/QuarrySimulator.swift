// Quarry — QuarrySimulator module.
import QuarryCore
