using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ModelStore.Testing;

/// <summary>
/// A real Azure Blob server for tests: Azurite (the npm package installed under <c>build/node/azurite</c> by
/// <c>build/prereqs/30-azurite-npm.sh</c>) on 127.0.0.1 and a free port, data in memory only, telemetry off, with one
/// storage account whose name and key are drawn at random for this run. Stopped on dispose. With HTTPS, it serves a
/// self-signed certificate made for the run and accepts Microsoft Entra bearer tokens (Azurite's basic OAuth check:
/// issuer, audience and lifetime, no signature), so the token path of a store can be tested too.
/// </summary>
public sealed class AzuriteServer : IDisposable
{
    /// <summary>
    /// The newest storage service version Azurite 3.37 accepts. The SDK sends a newer one by default, so stores on this
    /// server set their <c>ServiceVersion</c> to it (what a user of an older server does too) rather than turning off
    /// Azurite's version check.
    /// </summary>
    public const string ServiceVersion = "2026-06-06";

    private readonly Process _process;
    private readonly string _directory;

    private AzuriteServer(Process process, string directory, int port, string accountName, string accountKey, X509Certificate2? certificate)
    {
        _process = process;
        _directory = directory;
        AccountName = accountName;
        AccountKey = accountKey;
        Certificate = certificate;
        Endpoint = $"{(certificate is null ? "http" : "https")}://127.0.0.1:{port}/{accountName}";
    }

    /// <summary>The server's TLS certificate when it serves HTTPS (trust exactly this one in a test's client).</summary>
    public X509Certificate2? Certificate { get; }

    /// <summary>The blob service endpoint of the account, <c>http://127.0.0.1:PORT/ACCOUNT</c> (<c>https</c> with TLS).</summary>
    public string Endpoint { get; }

    /// <summary>The storage account's name.</summary>
    public string AccountName { get; }

    /// <summary>The storage account's key (base64), random for this run.</summary>
    public string AccountKey { get; }

    /// <summary>A connection string for the account.</summary>
    public string ConnectionString => ConnectionStringWithKey(AccountKey);

    /// <summary>A connection string for the account with another key (to test refused credentials).</summary>
    public string ConnectionStringWithKey(string accountKey) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={accountKey};BlobEndpoint={Endpoint};";

    /// <summary>Starts Azurite's blob service and waits until it accepts connections (a few seconds).</summary>
    /// <param name="memoryLimitMiB">The most blob data it keeps in memory.</param>
    /// <param name="httpsWithTokens">Serve HTTPS with a self-signed certificate and accept bearer tokens.</param>
    public static AzuriteServer Start(int memoryLimitMiB = 1024, bool httpsWithTokens = false)
    {
        var executable = Path.Combine(FindRepositoryRoot(), "build", "node", "azurite", "node_modules", ".bin", "azurite-blob");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"Azurite is not installed ({executable} is missing): run build/install-prerequisites.sh.");
        }

        var directory = Directory.CreateTempSubdirectory("modelstore-azurite-").FullName;
        var accountName = "acct" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var accountKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var port = FreePort();
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", port.ToString(CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--extentMemoryLimit", memoryLimitMiB.ToString(CultureInfo.InvariantCulture),
            "--disableTelemetry", "--silent",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var certificate = httpsWithTokens ? CreateCertificate(directory) : null;
        if (certificate is not null)
        {
            foreach (var argument in new[] { "--cert", Path.Combine(directory, "cert.pem"), "--key", Path.Combine(directory, "key.pem"), "--oauth", "basic" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        // Azurite's own account list: only this run's account exists.
        start.Environment["AZURITE_ACCOUNTS"] = $"{accountName}:{accountKey}";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Azurite did not start.");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.ErrorDataReceived += (_, line) => { lock (output) { output.AppendLine(line.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AzuriteServer(process, directory, port, accountName, accountKey, certificate);
        var deadline = Stopwatch.StartNew();
        while (!IsListening(port))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                server.Dispose();
                lock (output)
                {
                    throw new InvalidOperationException($"Azurite did not listen on 127.0.0.1:{port} within {deadline.Elapsed.TotalSeconds:0} s: {output}");
                }
            }

            Thread.Sleep(100);
        }

        return server;
    }

    /// <summary>A port on 127.0.0.1 nothing listens on.</summary>
    public static int FreePort() => RadosGatewayServer.FreePort();

    /// <summary>Stops Azurite (the process this fixture started) and deletes its folder.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        Certificate?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    // A certificate for 127.0.0.1, valid for a day, written as PEM files for Azurite.
    private static X509Certificate2 CreateCertificate(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(directory, "cert.pem"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "build", "node", "azurite", "package.json")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("build/node/azurite/package.json was not found above " + AppContext.BaseDirectory);
    }
}
