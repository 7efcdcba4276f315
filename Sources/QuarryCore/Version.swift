// Quarry — the tool version written into every manifest.

public enum QuarryVersion {
    public static let current = "0.1.0"
}
