using System.Security.Cryptography;
using ModelStore.Cli;
using ModelStore.Oci;
using ModelStore.Oci.Testing;
using ModelStore.States;

namespace ModelStore.Cli.Tests;

/// <summary>The CLI against a real OCI registry (docker-registry on loopback): push, list, pull, a pinned pull, mirror into it.</summary>
[TestClass]
public sealed class OciCliTests
{
    private static RegistryServer _registry = null!;
    private string _work = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartAsync(TestContext _) => _registry = await RegistryServer.StartAsync();

    [ClassCleanup]
    public static void Stop() => _registry.Dispose();

    [TestInitialize]
    public void CreateFolder() => _work = Directory.CreateTempSubdirectory("modelstore-cli-oci-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(_work, recursive: true);

    [TestMethod]
    public async Task Push_list_and_pull_through_an_oci_address_and_pull_a_pinned_artifact()
    {
        var repository = RegistryServer.NewRepository();
        string[] store = ["--store", $"oci://{_registry.Registry}/{repository}", "--setting", "Insecure=true", "--cache", Path.Combine(_work, "cache")];
        var bytes = RandomNumberGenerator.GetBytes(70_000);
        var file = Path.Combine(_work, "state.pt");
        await File.WriteAllBytesAsync(file, bytes, TestContext.CancellationToken);

        var pushed = await RunAsync(["push", file, "pytorch/resnet18.cls1000.imagenet", .. store]);
        var listed = await RunAsync(["list", "--type", "pytorch/resnet18", .. store]);
        var pulled = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", .. store]);
        var pinned = await RunAsync(["pull", "pytorch/resnet18.cls1000.imagenet", "--store", $"oci://{_registry.Registry}/{repository}:pytorch.resnet18.cls1000.imagenet", "--setting", "Insecure=true", "--cache", Path.Combine(_work, "cache2")]);

        Assert.AreEqual(0, pushed.Exit, pushed.Error);
        Assert.AreEqual("pytorch/resnet18.cls1000.imagenet", listed.Output.Trim(), listed.Error);
        Assert.AreEqual(0, pulled.Exit, pulled.Error);
        StringAssert.Contains(pulled.Output, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.AreEqual(0, pinned.Exit, pinned.Error);
        var digest = await new OciStateStore(_registry.Registry, repository, _registry.Options(withCredentials: false)).AtReference("pytorch.resnet18.cls1000.imagenet").ResolveRevisionAsync(TestContext.CancellationToken);
        StringAssert.Contains(pinned.Error + pinned.Output, digest);
    }

    [TestMethod]
    public async Task Mirror_copies_a_folder_into_a_registry_and_a_pinned_artifact_is_no_destination()
    {
        var origin = Directory.CreateDirectory(Path.Combine(_work, "origin")).FullName;
        var bytes = RandomNumberGenerator.GetBytes(40_000);
        await File.WriteAllBytesAsync(Path.Combine(origin, "pytorch.resnet18.cls1000.imagenet.pt"), bytes, TestContext.CancellationToken);
        var repository = RegistryServer.NewRepository();

        var mirrored = await RunAsync(["mirror", "--from", origin, "--to", $"oci://{_registry.Registry}/{repository}", "--to-setting", "Insecure=true", "--type", "pytorch/resnet18", "--cache", Path.Combine(_work, "cache")]);
        var refused = await RunAsync(["mirror", "--from", origin, "--to", $"oci://{_registry.Registry}/{repository}:v1", "--to-setting", "Insecure=true", "--type", "pytorch/resnet18", "--cache", Path.Combine(_work, "cache")]);

        Assert.AreEqual(0, mirrored.Exit, mirrored.Error);
        StringAssert.Contains(mirrored.Output, "copied   pytorch/resnet18.cls1000.imagenet");
        var store = new OciStateStore(_registry.Registry, repository, _registry.Options(withCredentials: false));
        await using var read = await store.OpenReadAsync(StateKey.Parse("pytorch/resnet18.cls1000.imagenet"), TestContext.CancellationToken);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy, TestContext.CancellationToken);
        CollectionAssert.AreEqual(bytes, copy.ToArray());
        Assert.AreEqual(2, refused.Exit, refused.Error);
        StringAssert.Contains(refused.Error, "read-only");
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliHost.RunAsync(args, output, error, TestContext.CancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
