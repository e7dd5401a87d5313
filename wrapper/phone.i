/* Phone numbers (mfaphone/phone.hpp): normalisation to Graph's format, validation, masked-number
 * detection and masking. Included from mfaphone.i inside its allow-list. */

%unignore mfaphone::PhoneType;
%unignore mfaphone::PhoneType::Mobile;
%unignore mfaphone::PhoneType::AlternateMobile;
%unignore mfaphone::PhoneType::Office;
%unignore mfaphone::PhoneLineType;
%unignore mfaphone::PhoneLineType::Unknown;
%unignore mfaphone::PhoneLineType::FixedLine;
%unignore mfaphone::PhoneLineType::Mobile;
%unignore mfaphone::PhoneLineType::FixedLineOrMobile;
%unignore mfaphone::PhoneLineType::TollFree;
%unignore mfaphone::PhoneLineType::PremiumRate;
%unignore mfaphone::PhoneLineType::SharedCost;
%unignore mfaphone::PhoneLineType::Voip;
%unignore mfaphone::PhoneLineType::PersonalNumber;
%unignore mfaphone::PhoneLineType::Pager;
%unignore mfaphone::PhoneLineType::Uan;
%unignore mfaphone::PhoneLineType::Voicemail;
%unignore mfaphone::PhoneNumberProblem;
%unignore mfaphone::PhoneNumberProblem::None;
%unignore mfaphone::PhoneNumberProblem::Empty;
%unignore mfaphone::PhoneNumberProblem::Masked;
%unignore mfaphone::PhoneNumberProblem::NotANumber;
%unignore mfaphone::PhoneNumberProblem::NoRegion;
%unignore mfaphone::PhoneNumberProblem::UnknownRegion;
%unignore mfaphone::PhoneNumberProblem::InvalidCountryCode;
%unignore mfaphone::PhoneNumberProblem::TooShort;
%unignore mfaphone::PhoneNumberProblem::TooLong;
%unignore mfaphone::PhoneNumberProblem::InvalidNumber;
%unignore mfaphone::PhoneNumberProblem::ExtensionTooLong;

%unignore mfaphone::PhoneNumberInfo;
%unignore mfaphone::PhoneNumberInfo::PhoneNumberInfo;
%unignore mfaphone::PhoneNumberInfo::~PhoneNumberInfo;
%rename(Input) mfaphone::PhoneNumberInfo::input;
%rename(IsValid) mfaphone::PhoneNumberInfo::isValid;
%rename(PhoneNumber) mfaphone::PhoneNumberInfo::phoneNumber;
%rename(Region) mfaphone::PhoneNumberInfo::region;
%rename(RegionUsed) mfaphone::PhoneNumberInfo::regionUsed;
%rename(CountryCode) mfaphone::PhoneNumberInfo::countryCode;
%rename(NationalNumber) mfaphone::PhoneNumberInfo::nationalNumber;
%rename(Extension) mfaphone::PhoneNumberInfo::extension;
%rename(LineType) mfaphone::PhoneNumberInfo::lineType;
%rename(IsMasked) mfaphone::PhoneNumberInfo::isMasked;
%rename(Problem) mfaphone::PhoneNumberInfo::problem;
%rename(Reason) mfaphone::PhoneNumberInfo::reason;

%rename(PhoneTypeName) mfaphone::phoneTypeName;
%rename(PhoneMethodId) mfaphone::phoneMethodId;
%rename(PhoneLineTypeName) mfaphone::phoneLineTypeName;
%rename(NormalizePhoneNumber) mfaphone::normalizePhoneNumber;
%rename(IsSupportedRegion) mfaphone::isSupportedRegion;
%rename(SupportedRegions) mfaphone::supportedRegions;
%rename(IsMaskedPhoneNumber) mfaphone::isMaskedPhoneNumber;
%rename(MaskPhoneNumber) mfaphone::maskPhoneNumber;
// parsePhoneType returns through a reference argument: C# has its own enum parsing.

%include "mfaphone/phone.hpp"
