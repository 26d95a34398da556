using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ModelStore.Testing;

/// <summary>
/// A real S3 server for tests: a throwaway single-node Ceph cluster with radosgw on 127.0.0.1 and a free port,
/// started by <c>build/s3/start-radosgw.sh</c> and stopped (and deleted) by <c>build/s3/stop-radosgw.sh</c> on dispose.
/// The script creates a random S3 user and hands its keys over through a private file; they are never printed.
/// </summary>
public sealed class RadosGatewayServer : IDisposable
{
    private readonly string _directory;

    private RadosGatewayServer(string directory, string endpoint, string accessKey, string secretKey)
    {
        _directory = directory;
        Endpoint = endpoint;
        AccessKey = accessKey;
        SecretKey = secretKey;
    }

    /// <summary>The server's URL, <c>http://127.0.0.1:PORT</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The S3 user's access key id.</summary>
    public string AccessKey { get; }

    /// <summary>The S3 user's secret key.</summary>
    public string SecretKey { get; }

    /// <summary>
    /// radosgw's own log: a line per request with its method, path, status and <c>Range</c> header (beast's access log),
    /// which tells what the server was asked for, whoever asked.
    /// </summary>
    public string LogFile => Path.Combine(_directory, "log", "client.rgw.a.log");

    /// <summary>Starts a cluster (about 12 s); <paramref name="memoryBytes"/> caps what its memory-backed OSD holds.</summary>
    public static RadosGatewayServer Start(long memoryBytes = 3L << 30)
    {
        var directory = Directory.CreateTempSubdirectory("modelstore-rgw-").FullName;
        try
        {
            Run("start-radosgw.sh", directory, FreePort().ToString(CultureInfo.InvariantCulture), memoryBytes.ToString(CultureInfo.InvariantCulture));
            var values = File.ReadAllLines(Path.Combine(directory, "s3.env"))
                .Select(line => line.Split('=', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            return new RadosGatewayServer(directory, values["S3_ENDPOINT"], values["S3_ACCESS_KEY"], values["S3_SECRET_KEY"]);
        }
        catch
        {
            Run("stop-radosgw.sh", directory);
            throw;
        }
    }

    /// <summary>A port on 127.0.0.1 nothing listens on.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops the cluster and deletes its folder.</summary>
    public void Dispose() => Run("stop-radosgw.sh", _directory);

    private static void Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(FindRepositoryRoot(), "build", "s3", script));
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
