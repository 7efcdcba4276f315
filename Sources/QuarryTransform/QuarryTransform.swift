// Quarry — QuarryTransform module.
import QuarryCore
