using System.Text;
using ModelStore.States;
using ModelStore.Stores;
using ModelStore.Oci.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>Registry authentication as users have it, against the basic-over-TLS and token registries.</summary>
[TestClass]
public sealed class OciAuthTests
{
    private static readonly StateKey Key = new(new StateType("pytorch", "resnet18", "cls1000"), "imagenet");

    private string _home = null!;

    public TestContext TestContext { get; set; } = null!;

    private CancellationToken Cancel => TestContext.CancellationToken;

    [TestInitialize]
    public void CreateHome() => _home = Directory.CreateTempSubdirectory("modelstore-oci-home-").FullName;

    [TestCleanup]
    public void DeleteHome() => Directory.Delete(_home, recursive: true);

    [TestMethod]
    [DataRow(RegistryAuth.BasicTls)]
    [DataRow(RegistryAuth.Token)]
    public async Task Without_credentials_access_is_refused_with_a_hint_and_no_secret(RegistryAuth auth)
    {
        var server = auth == RegistryAuth.BasicTls ? Registries.BasicTls : Registries.Token;
        var repository = RegistryServer.NewRepository();
        await new OciStateStore(server.Registry, repository, server.Options()).WriteAsync(Key, new MemoryStream([1, 2, 3]), cancellationToken: Cancel);
        var anonymous = new OciStateStore(server.Registry, repository, server.Options(withCredentials: false));
        var wrong = server.Options(withCredentials: false);
        wrong.EnvironmentVariables = RegistryServer.Environment(("MODELSTORE_OCI_USERNAME", RegistryServer.User), ("MODELSTORE_OCI_PASSWORD", "wrong-password-xyz"));

        var refused = await Assert.ThrowsExactlyAsync<StateStoreException>(() => anonymous.OpenReadAsync(Key, Cancel));
        var badPassword = await Assert.ThrowsExactlyAsync<StateStoreException>(() => new OciStateStore(server.Registry, repository, wrong).ExistsAsync(Key, Cancel));

        Assert.AreEqual(StateStoreError.AccessDenied, refused.Error);
        StringAssert.Contains(refused.Message, "MODELSTORE_OCI_USERNAME");
        StringAssert.Contains(refused.Message, "anonymous");
        Assert.AreEqual(StateStoreError.AccessDenied, badPassword.Error);
        StringAssert.Contains(badPassword.Message, $"user '{RegistryServer.User}' from MODELSTORE_OCI_USERNAME/MODELSTORE_OCI_PASSWORD");
        Assert.DoesNotContain("wrong-password-xyz", badPassword.ToString());
        Assert.DoesNotContain(RegistryServer.Password, refused.ToString());
    }

    [TestMethod]
    public async Task Docker_config_auths_entry_is_used()
    {
        var server = Registries.BasicTls;
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryServer.User}:{RegistryServer.Password}"));
        Directory.CreateDirectory(Path.Combine(_home, ".docker"));
        File.WriteAllText(Path.Combine(_home, ".docker", "config.json"), $$$$"""{"auths":{"https://{{{{server.Registry}}}}":{"auth":"{{{{auth}}}}"}}}""");
        var options = server.Options(withCredentials: false);
        options.EnvironmentVariables = RegistryServer.Environment(("HOME", _home));

        await RoundTripAsync(server, options);
    }

    [TestMethod]
    public async Task REGISTRY_AUTH_FILE_is_used()
    {
        var server = Registries.Token;
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{RegistryServer.User}:{RegistryServer.Password}"));
        var file = Path.Combine(_home, "auth.json");
        File.WriteAllText(file, $$$$"""{"auths":{"{{{{server.Registry}}}}":{"auth":"{{{{auth}}}}"}}}""");
        var options = server.Options(withCredentials: false);
        options.EnvironmentVariables = RegistryServer.Environment(("REGISTRY_AUTH_FILE", file));

        await RoundTripAsync(server, options);
    }

    [TestMethod]
    public async Task A_credential_helper_is_run_with_the_registry_host_on_stdin()
    {
        var server = Registries.Token;
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        var asked = Path.Combine(_home, "asked.txt");
        var helper = Path.Combine(bin, "docker-credential-modelstoretest");
        File.WriteAllText(helper, $$"""
            #!/bin/sh
            [ "$1" = get ] || exit 2
            cat > '{{asked}}'
            echo '{"ServerURL":"{{server.Registry}}","Username":"{{RegistryServer.User}}","Secret":"{{RegistryServer.Password}}"}'
            """.Replace("\r", ""));
        File.SetUnixFileMode(helper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(_home, "docker"));
        File.WriteAllText(Path.Combine(_home, "docker", "config.json"), $$$$"""{"credHelpers":{"{{{{server.Registry}}}}":"modelstoretest"}}""");
        var options = server.Options(withCredentials: false);
        options.EnvironmentVariables = RegistryServer.Environment(("DOCKER_CONFIG", Path.Combine(_home, "docker")), ("PATH", bin + ":/usr/bin:/bin"));

        await RoundTripAsync(server, options);

        Assert.AreEqual(server.Registry, File.ReadAllText(asked));
    }

    [TestMethod]
    public async Task Tokens_are_fetched_once_per_scope_and_reused()
    {
        var server = Registries.Token;
        var store = new OciStateStore(server.Registry, RegistryServer.NewRepository(), server.Options());
        await store.WriteAsync(Key, new MemoryStream(new byte[3000]), cancellationToken: Cancel);
        var before = server.Tokens!.Issued;

        for (var i = 0; i < 5; i++)
        {
            Assert.IsTrue(await store.ExistsAsync(Key, Cancel));
            await using var read = await store.OpenReadAsync(Key, Cancel);
            await read.CopyToAsync(Stream.Null, Cancel);
        }

        Assert.AreEqual(before, server.Tokens.Issued, "Reads after the write reuse the cached pull/push or pull token.");
        lock (server.Tokens.Authorizations)
        {
            Assert.IsTrue(server.Tokens.Authorizations.All(header => header is null || header.StartsWith("Basic ", StringComparison.Ordinal)), "Only basic credentials go to the realm.");
        }
    }

    [TestMethod]
    public void Credentials_travel_in_clear_only_to_loopback()
    {
        Assert.IsTrue(Registry.RegistryAuthHandler.MayCarryCredentials(new Uri("https://ghcr.io/token")));
        Assert.IsTrue(Registry.RegistryAuthHandler.MayCarryCredentials(new Uri("http://127.0.0.1:5000/token")));
        Assert.IsFalse(Registry.RegistryAuthHandler.MayCarryCredentials(new Uri("http://auth.example.com/token")));
    }

    [TestMethod]
    public void Credentials_for_a_plain_http_registry_off_loopback_are_withheld_and_the_message_says_so()
    {
        using var handler = new Registry.RegistryAuthHandler(new Uri("http://registry.example.com:5000/"), () => new Registry.RegistryCredential("ci", "s3cret-value", "MODELSTORE_OCI_USERNAME/MODELSTORE_OCI_PASSWORD"), new HttpClientHandler());

        var description = handler.DescribeCredentials();

        StringAssert.StartsWith(description, "anonymous: the credentials of user 'ci'");
        StringAssert.Contains(description, "plain http");
        Assert.DoesNotContain("s3cret-value", description);
    }

    [TestMethod]
    public void Challenges_with_quoted_commas_and_several_scopes_parse()
    {
        var parameters = Registry.RegistryAuthHandler.ParseChallenge("realm=\"https://auth.example.com/token\",service=\"registry.example.com\",scope=\"repository:a/b:pull,push repository:c:pull\"");

        Assert.AreEqual("https://auth.example.com/token", parameters["realm"]);
        Assert.AreEqual("registry.example.com", parameters["service"]);
        Assert.AreEqual("repository:a/b:pull,push repository:c:pull", parameters["scope"]);
    }

    private async Task RoundTripAsync(RegistryServer server, OciStoreOptions options)
    {
        var store = new OciStateStore(server.Registry, RegistryServer.NewRepository(), options);
        var bytes = Encoding.UTF8.GetBytes("weights from a docker login");
        await store.WriteAsync(Key, new MemoryStream(bytes), cancellationToken: Cancel);
        await using var read = await store.OpenReadAsync(Key, Cancel);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, Cancel);
        CollectionAssert.AreEqual(bytes, copy.ToArray());
    }
}
