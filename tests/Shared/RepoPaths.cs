namespace SensorOdl.TestSupport;

/// <summary>
/// The one way the test projects find the repository and its recorded data. This file is linked into every
/// test project that needs it (`&lt;Compile Include="../Shared/RepoPaths.cs" Link="Shared/RepoPaths.cs" /&gt;`),
/// so there is one copy of the search.
/// <list type="bullet">
/// <item><see cref="Root"/>: the nearest folder above the test's output folder that holds SensorOdl.sln.</item>
/// <item><see cref="Data"/>: $SENSORODL_DATA when set, else &lt;repo&gt;/data (the copy of the recordings the repository ships).</item>
/// </list>
/// Each fails with a message saying where it looked; there is no fallback to a machine-specific absolute path.
/// </summary>
internal static class RepoPaths
{
    public const string SolutionFile = "SensorOdl.sln";
    public const string DataVariable = "SENSORODL_DATA";

    static readonly Lazy<string> RootPath = new(FindRoot);
    static readonly Lazy<string> DataPath = new(FindData);

    /// <summary>The repository root (the folder holding SensorOdl.sln).</summary>
    public static string Root => RootPath.Value;

    /// <summary>The recorded data: $SENSORODL_DATA, else &lt;repo&gt;/data.</summary>
    public static string Data => DataPath.Value;

    /// <summary>One data set under <see cref="Data"/> (e.g. "cwru", "cooling-fan"); fails unless it holds a manifest.json.</summary>
    public static string DataSet(string name)
    {
        string folder = Path.Combine(Data, name);
        if (!File.Exists(Path.Combine(folder, "manifest.json")))
            throw new InvalidOperationException($"The data set '{name}' was not found: {folder} has no manifest.json " +
                $"(data folder {Data}: {(Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } ? $"from ${DataVariable}" : "the repository's data/")}).");
        return folder;
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile))) return dir.FullName;
        throw new InvalidOperationException(
            $"The repository root was not found: no {SolutionFile} in {AppContext.BaseDirectory} or any folder above it. " +
            "Run the tests from a checkout of the repository (dotnet test SensorOdl.sln).");
    }

    static string FindData()
    {
        if (Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } fromEnvironment)
        {
            string full = Path.GetFullPath(fromEnvironment);
            if (!Directory.Exists(full))
                throw new InvalidOperationException($"${DataVariable} is set to '{fromEnvironment}', which is not a folder. Unset it to use the repository's data/.");
            return full;
        }
        string data = Path.Combine(Root, "data");
        if (!Directory.Exists(data))
            throw new InvalidOperationException($"The recorded data was not found: {data} does not exist. Restore the repository's data/ folder or set ${DataVariable}.");
        return data;
    }
}
