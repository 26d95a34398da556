using Azure.Storage.Blobs;
using ModelStore.Testing;

namespace ModelStore.Azure.Tests;

/// <summary>
/// The assembly's Azure Blob server (<see cref="AzuriteServer"/>), started once before the first test and stopped after
/// the last. No test of this assembly sets <c>AZURE_STORAGE_CONNECTION_STRING</c> for the whole process; the ones that
/// need it set and restore it (<see cref="EnvironmentConnectionString"/>), and do not run in parallel.
/// </summary>
[TestClass]
public static class Azurite
{
    private static AzuriteServer? _server;

    public static string Endpoint => Server.Endpoint;

    public static string AccountName => Server.AccountName;

    public static string AccountKey => Server.AccountKey;

    public static string ConnectionString => Server.ConnectionString;

    public static AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite is not running.");

    [AssemblyInitialize]
    public static void Start(TestContext context)
    {
        _ = context;
        Environment.SetEnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, null);
        _server = AzuriteServer.Start();
    }

    [AssemblyCleanup]
    public static void Stop() => _server?.Dispose();

    /// <summary>Options for a store on <paramref name="container"/> of this server, with the account's connection string.</summary>
    public static AzureBlobStateStoreOptions Options(string container, string basePath = "pretrained-models/") => new()
    {
        Container = container,
        BasePath = basePath,
        ConnectionString = ConnectionString,
        ServiceVersion = AzuriteServer.ServiceVersion,
        UploadBlockSize = 1024 * 1024,
        UploadParallelism = 2,
        MaxRetries = 1,
    };

    /// <summary>Creates a new, empty container with a unique name.</summary>
    public static async Task<string> CreateContainerAsync(CancellationToken cancellationToken)
    {
        var container = $"t-{Guid.NewGuid():N}";
        await AdminClient().GetBlobContainerClient(container).CreateAsync(cancellationToken: cancellationToken);
        return container;
    }

    /// <summary>A plain SDK client on the server, for setting up what the store does not do (containers, foreign blobs).</summary>
    public static BlobServiceClient AdminClient() => new(ConnectionString, new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06));

    /// <summary>Sets <c>AZURE_STORAGE_CONNECTION_STRING</c> until disposed.</summary>
    public static IDisposable EnvironmentConnectionString(string? value) => new EnvironmentVariable(AzureBlobStateStoreOptions.ConnectionStringVariable, value);

    private sealed class EnvironmentVariable : IDisposable
    {
        private readonly string _name;
        private readonly string? _previous;

        public EnvironmentVariable(string name, string? value)
        {
            _name = name;
            _previous = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose() => Environment.SetEnvironmentVariable(_name, _previous);
    }
}
