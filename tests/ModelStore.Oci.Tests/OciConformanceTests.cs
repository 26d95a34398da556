using ModelStore.Stores;
using ModelStore.Testing;
using ModelStore.Oci.Testing;

namespace ModelStore.Oci.Tests;

/// <summary>The store contract against a real registry over plain http (anonymous), one fresh repository per test.</summary>
[TestClass]
public sealed class OciConformanceTests : StateStoreConformanceTests
{
    // A tag is created by a PUT that cannot be conditional: of concurrent creators, the last one wins.
    protected override bool HasAtomicCreate => false;

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new OciStateStore(Registries.Plain.Registry, RegistryServer.NewRepository(), Registries.Plain.Options(withCredentials: false)));
}

/// <summary>The store contract against a registry with basic auth over TLS with a self-signed certificate trusted through <c>CaCertificateFile</c>.</summary>
[TestClass]
public sealed class OciBasicTlsConformanceTests : StateStoreConformanceTests
{
    protected override bool HasAtomicCreate => false;

    protected override long LargeStateSize => 64L * 1024 * 1024;

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new OciStateStore(Registries.BasicTls.Registry, RegistryServer.NewRepository(), Registries.BasicTls.Options()));
}

/// <summary>The store contract against a registry with token auth (a local token server issuing signed JWTs).</summary>
[TestClass]
public sealed class OciTokenConformanceTests : StateStoreConformanceTests
{
    protected override bool HasAtomicCreate => false;

    protected override long LargeStateSize => 64L * 1024 * 1024;

    protected override Task<IStateStore> CreateStoreAsync() =>
        Task.FromResult<IStateStore>(new OciStateStore(Registries.Token.Registry, RegistryServer.NewRepository(), Registries.Token.Options()));
}

/// <summary>Parallel, resumable downloads into files, through the shared download path, against the real registry.</summary>
[TestClass]
public sealed class OciFileDownloadTests : FileDownloadConformanceTests
{
    protected override Task<IFileDownloadingStore> CreateStoreAsync() =>
        Task.FromResult<IFileDownloadingStore>(new OciStateStore(Registries.Plain.Registry, RegistryServer.NewRepository(), Registries.Plain.Options(withCredentials: false)));
}
