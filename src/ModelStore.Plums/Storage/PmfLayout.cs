namespace ModelStore.Plums.Storage;

/// <summary>The file and folder names of a PMF model folder.</summary>
internal static class PmfLayout
{
    public const string MetadataFile = "metadata.yaml";
    public const string DataFolder = "data";
    public const string BuildParametersFile = "build_parameters.yaml";
    public const string CheckpointsFolder = "checkpoints";
    public const string InitialisationFolder = "initialisation";

    /// <summary>Metadata files larger than this are refused (a real one is a few kilobytes).</summary>
    public const long MaxMetadataBytes = 16 << 20;

    public static string Data(string root) => Path.Combine(root, DataFolder);

    public static string BuildParameters(string root) => Path.Combine(root, DataFolder, BuildParametersFile);

    public static string Checkpoints(string root) => Path.Combine(root, DataFolder, CheckpointsFolder);

    public static string InitialisationDirectory(string root) => Path.Combine(root, DataFolder, InitialisationFolder);

    /// <summary>The last part of a PMF relative path (Plums looks files up by it).</summary>
    public static string FileName(string pmfPath) => pmfPath.Split('/', '\\')[^1];
}
