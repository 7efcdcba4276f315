// Quarry — building OutputSettings in code (tests, benchmarks, embedders) with the file's defaults.

extension OutputSettings {
    /// Output settings without a pipeline file; defaults are those of `PipelineConfig`.
    public static func with(dir: String, gzipLevel: Int = 6, excelCopy: Bool = false,
                            flattenLineBreaks: Bool = false, maxRowsPerFile: Int = 1_048_575) -> OutputSettings {
        OutputSettings(dir: dir, gzipLevel: gzipLevel, excelCopy: excelCopy,
                       flattenLineBreaks: flattenLineBreaks, maxRowsPerFile: maxRowsPerFile)
    }
}
