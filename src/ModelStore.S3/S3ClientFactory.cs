using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace ModelStore.S3;

/// <summary>Builds the AWS SDK client an <see cref="S3StateStore"/> uses from its options.</summary>
internal static class S3ClientFactory
{
    public const string DefaultRegion = "us-east-1";

    /// <summary>A client for <paramref name="options"/>; each attempt of a request may take <paramref name="attemptTimeout"/>.</summary>
    public static AmazonS3Client Create(S3StateStoreOptions options, TimeSpan attemptTimeout)
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = options.ForcePathStyle,
            Timeout = attemptTimeout,
            MaxErrorRetry = options.MaxRetries,
        };

        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = options.Region ?? DefaultRegion;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region ?? DefaultRegion);
        }

        if (options.SendsChecksumsOnlyWhenRequired)
        {
            config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
            config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        }

        if (!string.IsNullOrWhiteSpace(options.Profile))
        {
            config.Profile = new Profile(options.Profile);
        }

        AWSCredentials? credentials = (options.AccessKey, options.SecretKey) switch
        {
            ({ Length: > 0 } accessKey, { Length: > 0 } secretKey) when !string.IsNullOrEmpty(options.SessionToken)
                => new SessionAWSCredentials(accessKey, secretKey, options.SessionToken),
            ({ Length: > 0 } accessKey, { Length: > 0 } secretKey) => new BasicAWSCredentials(accessKey, secretKey),
            _ => null,
        };

        // Without explicit credentials the SDK resolves them lazily from the standard chain (or the profile above).
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }
}
