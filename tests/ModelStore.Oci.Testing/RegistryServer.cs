using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ModelStore.Testing;

namespace ModelStore.Oci.Testing;

/// <summary>How a <see cref="RegistryServer"/> authenticates.</summary>
public enum RegistryAuth
{
    /// <summary>Plain http, anonymous.</summary>
    None,

    /// <summary>https with a self-signed certificate (<see cref="RegistryServer.CaFile"/>) and basic auth (htpasswd, bcrypt).</summary>
    BasicTls,

    /// <summary>Plain http on loopback, bearer tokens from a <see cref="TokenServer"/>.</summary>
    Token,
}

/// <summary>
/// Debian's <c>docker-registry</c> (distribution 2.8) on 127.0.0.1 with a free port and a temporary storage folder, with
/// the configuration written here; stopped and deleted on dispose.
/// </summary>
public sealed class RegistryServer : IDisposable
{
    public const string User = "model-user";
    public const string Password = "s3cret-Pa55word";

    private readonly Process _process;
    private readonly string _folder;

    private RegistryServer(Process process, string folder, string registry, RegistryAuth auth, TokenServer? tokens)
    {
        _process = process;
        _folder = folder;
        Registry = registry;
        Auth = auth;
        Tokens = tokens;
    }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Registry { get; }

    public RegistryAuth Auth { get; }

    public TokenServer? Tokens { get; }

    /// <summary>The PEM of the self-signed certificate (for <see cref="RegistryAuth.BasicTls"/>).</summary>
    public string CaFile => Path.Combine(_folder, "cert.pem");

    public Uri BaseAddress => new($"{(Auth == RegistryAuth.BasicTls ? "https" : "http")}://{Registry}/");

    public static async Task<RegistryServer> StartAsync(RegistryAuth auth = RegistryAuth.None)
    {
        var folder = Directory.CreateTempSubdirectory("modelstore-registry-").FullName;
        var port = RadosGatewayServer.FreePort();
        var config = new StringBuilder($"""
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {folder}/data
              delete:
                enabled: true
            http:
              addr: 127.0.0.1:{port}
            """);
        TokenServer? tokens = null;
        if (auth == RegistryAuth.BasicTls)
        {
            Run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", Path.Combine(folder, "key.pem"), "-out", Path.Combine(folder, "cert.pem"),
                "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1");
            File.WriteAllText(Path.Combine(folder, "htpasswd"), Run("htpasswd", "-Bbn", User, Password));
            config.Append($"""

                  tls:
                    certificate: {folder}/cert.pem
                    key: {folder}/key.pem
                auth:
                  htpasswd:
                    realm: modelstore-tests
                    path: {folder}/htpasswd
                """);
        }
        else if (auth == RegistryAuth.Token)
        {
            tokens = await TokenServer.StartAsync(User, Password, "modelstore-registry");
            File.WriteAllText(Path.Combine(folder, "token-ca.pem"), tokens.CertificatePem);
            config.Append($"""

                auth:
                  token:
                    realm: {tokens.Realm}
                    service: {tokens.Service}
                    issuer: {tokens.Issuer}
                    rootcertbundle: {folder}/token-ca.pem
                """);
        }

        File.WriteAllText(Path.Combine(folder, "config.yml"), config.ToString() + "\n");
        var start = new ProcessStartInfo("docker-registry", ["serve", Path.Combine(folder, "config.yml")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RegistryServer(process, folder, $"127.0.0.1:{port}", auth, tokens);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
            catch
            {
                server.Dispose();
                throw new InvalidOperationException($"docker-registry did not start on port {port}.");
            }
        }
    }

    /// <summary>A fresh repository name.</summary>
    public static string NewRepository() => $"tests/m-{Guid.NewGuid():N}";

    /// <summary>Options for a store of this server: http when plain, the CA when TLS, the test credentials when asked.</summary>
    public OciStoreOptions Options(bool withCredentials = true, int uploadChunkSize = 1024 * 1024) => new()
    {
        Insecure = Auth != RegistryAuth.BasicTls,
        CaCertificateFile = Auth == RegistryAuth.BasicTls ? CaFile : null,
        EnvironmentVariables = withCredentials ? Environment(("MODELSTORE_OCI_USERNAME", User), ("MODELSTORE_OCI_PASSWORD", Password)) : Environment(),
        UploadChunkSize = uploadChunkSize,
        MaxRetries = 1,
        Download = new Downloads.ChunkedDownloadOptions { ChunkSize = 1024 * 1024, Parallelism = 4 },
    };

    public static Func<string, string?> Environment(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }

    /// <summary>An HTTP client speaking to the registry directly (plain spec requests written by the tests), with the test credentials.</summary>
    public HttpClient RawClient()
    {
        var handler = new HttpClientHandler();
        if (Auth == RegistryAuth.BasicTls)
        {
            var ca = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(CaFile);
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.Thumbprint == ca.Thumbprint;
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (Auth == RegistryAuth.BasicTls)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
        }

        return client;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            Tokens?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Runs a program to completion and returns its standard output; a failure throws with its standard error.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Result}");
        }

        return output.Result;
    }
}
