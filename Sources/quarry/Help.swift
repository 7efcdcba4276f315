// Quarry — the text of `quarry --help`.

enum Help {
    static let text = """
    quarry — pulls the Qualys asset inventory and publishes it as gzip CSV and NDJSON partitions.

    USAGE
      quarry run PIPELINE.json [--output DIR] [--snapshot-date YYYY-MM-DD] [--record DIR] [--replay DIR]
                               [--full] [--excel-copy] [--log-format text|json] [--log-level LEVEL]
          The nightly job: extract, map, deduplicate, publish one snapshot. --full pulls every API
          whole instead of only what changed since the last published night.
      quarry demo [--output DIR] [--assets N] [--seed S] [--night K] [--faults PROFILE]
                  [--ground-truth FILE] [--snapshot-date YYYY-MM-DD] [--full] [--excel-copy]
                  [--log-format text|json]
          Starts the built-in Qualys simulator on 127.0.0.1 and runs the default pipeline against it.
      quarry sim [--port P] [--assets N] [--seed S] [--night K] [--faults PROFILE] [--latency MS]
                 [--ground-truth FILE]
          Serves the simulated Qualys APIs; prints `listening on http://127.0.0.1:PORT` first.
      quarry validate PIPELINE.json
          Checks a pipeline file (and the schema files it names) without running it.
      quarry --help | --version

    EXIT STATUS
      0 the snapshot was published; 1 the run failed and nothing new was published;
      2 usage or configuration error.

    CREDENTIALS
      QUALYS_USERNAME / QUALYS_PASSWORD, or the pipeline's qualys.credentialsFile (readable by its
      owner only). Never in the pipeline file; never printed.

    FAULT PROFILES (demo, sim)
      none, flaky, limits, auth, dirty, all

    See README.md and docs/configuration.md.
    """
}
