using ModelStore.Oci.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>The assembly's three registries (plain, basic over TLS, token), started once before the first test and stopped after the last.</summary>
[TestClass]
public static class Registries
{
    private static RegistryServer? _plain;
    private static RegistryServer? _basicTls;
    private static RegistryServer? _token;

    public static RegistryServer Plain => _plain ?? throw new InvalidOperationException("Not started.");

    public static RegistryServer BasicTls => _basicTls ?? throw new InvalidOperationException("Not started.");

    public static RegistryServer Token => _token ?? throw new InvalidOperationException("Not started.");

    [AssemblyInitialize]
    public static async Task StartAsync(TestContext context)
    {
        _ = context;
        _plain = await RegistryServer.StartAsync();
        _basicTls = await RegistryServer.StartAsync(RegistryAuth.BasicTls);
        _token = await RegistryServer.StartAsync(RegistryAuth.Token);
    }

    [AssemblyCleanup]
    public static void Stop()
    {
        _plain?.Dispose();
        _basicTls?.Dispose();
        _token?.Dispose();
    }
}
