using ModelStore.Oci.Testing;
using ModelStore.Stores;
using ModelStore.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>The store contract against one of the assembly's real registries, one fresh repository per test.</summary>
public abstract class RegistryConformanceTests : StateStoreConformanceTests
{
    // A tag is created by a PUT that cannot be conditional: of concurrent creators, the last one wins.
    protected override bool HasAtomicCreate => false;

    protected abstract RegistryServer Server { get; }

    protected abstract bool WithCredentials { get; }

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new OciStateStore(Server.Registry, RegistryServer.NewRepository(), Server.Options(WithCredentials)));
}

/// <summary>Over plain http, anonymous.</summary>
[TestClass]
public sealed class OciConformanceTests : RegistryConformanceTests
{
    protected override RegistryServer Server => Registries.Plain;

    protected override bool WithCredentials => false;
}

/// <summary>Basic auth over TLS with a self-signed certificate trusted through <c>CaCertificateFile</c>.</summary>
[TestClass]
public sealed class OciBasicTlsConformanceTests : RegistryConformanceTests
{
    protected override RegistryServer Server => Registries.BasicTls;

    protected override bool WithCredentials => true;

    protected override long LargeStateSize => 64L * 1024 * 1024;
}

/// <summary>Token auth: a local token server issuing signed JWTs the registry verifies.</summary>
[TestClass]
public sealed class OciTokenConformanceTests : RegistryConformanceTests
{
    protected override RegistryServer Server => Registries.Token;

    protected override bool WithCredentials => true;

    protected override long LargeStateSize => 64L * 1024 * 1024;
}

/// <summary>Parallel, resumable downloads into files, through the shared download path, against the real registry.</summary>
[TestClass]
public sealed class OciFileDownloadTests : FileDownloadConformanceTests
{
    protected override Task<IFileDownloadingStore> CreateStoreAsync() =>
        Task.FromResult<IFileDownloadingStore>(new OciStateStore(Registries.Plain.Registry, RegistryServer.NewRepository(), Registries.Plain.Options(withCredentials: false)));
}
