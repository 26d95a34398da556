using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.S3;
using Amazon.S3.Model;
using ModelStore.S3;

namespace ModelStore.S3.Tests;

/// <summary>
/// A real S3 server for the tests: a throwaway single-node Ceph cluster with radosgw on 127.0.0.1, started once for
/// the assembly by <c>build/s3/start-radosgw.sh</c> and stopped by <c>build/s3/stop-radosgw.sh</c>.
/// The S3 user's credentials come from the script through a private file and are exported to this process as
/// <c>AWS_ACCESS_KEY_ID</c>/<c>AWS_SECRET_ACCESS_KEY</c> (the standard chain); they are never printed.
/// </summary>
[TestClass]
public static class RadosGateway
{
    private static string? _directory;

    public static string Endpoint { get; private set; } = null!;

    public static string AccessKey { get; private set; } = null!;

    public static string SecretKey { get; private set; } = null!;

    [AssemblyInitialize]
    public static void Start(TestContext context)
    {
        _ = context;
        _directory = Directory.CreateTempSubdirectory("modelstore-rgw-").FullName;
        var port = FreePort();
        Run("start-radosgw.sh", _directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture), (3L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture));
        var values = File.ReadAllLines(Path.Combine(_directory, "s3.env"))
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1]);
        Endpoint = values["S3_ENDPOINT"];
        AccessKey = values["S3_ACCESS_KEY"];
        SecretKey = values["S3_SECRET_KEY"];
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", AccessKey);
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", SecretKey);
    }

    [AssemblyCleanup]
    public static void Stop()
    {
        if (_directory is not null)
        {
            Run("stop-radosgw.sh", _directory);
        }
    }

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
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Run(string script, params string[] arguments)
    {
        var path = Path.Combine(FindRepositoryRoot(), "build", "s3", script);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{script} did not finish in 3 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed with exit code {process.ExitCode}: {output.Result}{error.Result}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "build", "s3", "start-radosgw.sh")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("build/s3/start-radosgw.sh was not found above " + AppContext.BaseDirectory);
    }
}
