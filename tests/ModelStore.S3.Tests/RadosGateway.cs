using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.Testing;

namespace ModelStore.S3.Tests;

/// <summary>
/// The assembly's S3 server (<see cref="RadosGatewayServer"/>), started once before the first test and stopped after
/// the last. Its user's keys are also exported to this process as <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c>,
/// so stores without explicit credentials find them through the standard chain.
/// </summary>
[TestClass]
public static class RadosGateway
{
    private static RadosGatewayServer? _server;

    public static string Endpoint => Server.Endpoint;

    public static string AccessKey => Server.AccessKey;

    public static string SecretKey => Server.SecretKey;

    /// <summary>
    /// The access lines radosgw logged for requests whose path contains <paramref name="objectPath"/>, once at least
    /// <paramref name="atLeast"/> are there (radosgw writes a line a moment after its answer), or after 5 s.
    /// </summary>
    public static async Task<IReadOnlyList<string>> RequestLinesAsync(string objectPath, int atLeast, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            string[] lines;
            using (var log = new FileStream(Server.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var reader = new StreamReader(log))
            {
                lines = (await reader.ReadToEndAsync(cancellationToken)).Split('\n');
            }

            var found = lines.Where(line => line.Contains(" beast: ", StringComparison.Ordinal) && line.Contains(objectPath, StringComparison.Ordinal)).ToList();
            if (found.Count >= atLeast || attempt == 50)
            {
                return found;
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    private static RadosGatewayServer Server => _server ?? throw new InvalidOperationException("The S3 server is not running.");

    [AssemblyInitialize]
    public static void Start(TestContext context)
    {
        _ = context;
        _server = RadosGatewayServer.Start();
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", _server.AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", _server.SecretKey);
    }

    [AssemblyCleanup]
    public static void Stop() => _server?.Dispose();

    /// <summary>Options for a store on <paramref name="bucket"/> of this server, with explicit credentials.</summary>
    public static S3StateStoreOptions Options(string bucket, string basePath = "pretrained-models/") => new()
    {
        Bucket = bucket,
        BasePath = basePath,
        ServiceUrl = Endpoint,
        ForcePathStyle = true,
        AccessKey = AccessKey,
        SecretKey = SecretKey,
        ChecksumsOnlyWhenRequired = true,
        MultipartPartSize = 5 * 1024 * 1024,
        UploadParallelism = 2,
        MaxRetries = 1,
    };

    /// <summary>Creates a new, empty bucket with a unique name.</summary>
    public static async Task<string> CreateBucketAsync(CancellationToken cancellationToken)
    {
        var bucket = $"t-{Guid.NewGuid():N}";
        using var client = AdminClient();
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
        return bucket;
    }

    /// <summary>A plain SDK client on the server, for setting up what the store does not do (buckets, foreign objects).</summary>
    public static AmazonS3Client AdminClient() => new(
        new Amazon.Runtime.BasicAWSCredentials(AccessKey, SecretKey),
        new AmazonS3Config
        {
            ServiceURL = Endpoint,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = Amazon.Runtime.RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = Amazon.Runtime.ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>A port on 127.0.0.1 nothing listens on.</summary>
    public static int FreePort() => RadosGatewayServer.FreePort();
}
