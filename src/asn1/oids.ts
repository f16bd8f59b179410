/**
 * Object identifiers of CMP (RFC 9810 Appendix F) and CRMF (RFC 4211 §6)
 * that the protocol itself uses. Algorithm OIDs live in src/crypto/algorithms.ts.
 */

/** id-it: InfoTypeAndValue types, { id-pkix 4 } (RFC 9810 §5.3.19). */
export const id_it = "1.3.6.1.5.5.7.4";
export const id_it_caProtEncCert = `${id_it}.1`;
export const id_it_signKeyPairTypes = `${id_it}.2`;
export const id_it_encKeyPairTypes = `${id_it}.3`;
export const id_it_preferredSymmAlg = `${id_it}.4`;
export const id_it_caKeyUpdateInfo = `${id_it}.5`;
export const id_it_currentCRL = `${id_it}.6`;
export const id_it_unsupportedOIDs = `${id_it}.7`;
export const id_it_keyPairParamReq = `${id_it}.10`;
export const id_it_keyPairParamRep = `${id_it}.11`;
export const id_it_revPassphrase = `${id_it}.12`;
export const id_it_implicitConfirm = `${id_it}.13`;
export const id_it_confirmWaitTime = `${id_it}.14`;
export const id_it_origPKIMessage = `${id_it}.15`;
export const id_it_suppLangTags = `${id_it}.16`;
export const id_it_caCerts = `${id_it}.17`;
export const id_it_rootCaKeyUpdate = `${id_it}.18`;
export const id_it_certReqTemplate = `${id_it}.19`;
export const id_it_rootCaCert = `${id_it}.20`;
export const id_it_certProfile = `${id_it}.21`;
export const id_it_crlStatusList = `${id_it}.22`;
export const id_it_crls = `${id_it}.23`;

/** id-regCtrl: CRMF registration controls, { id-pkip 1 } (RFC 4211 §6). */
export const id_regCtrl = "1.3.6.1.5.5.7.5.1";
export const id_regCtrl_regToken = `${id_regCtrl}.1`;
export const id_regCtrl_authenticator = `${id_regCtrl}.2`;
export const id_regCtrl_pkiPublicationInfo = `${id_regCtrl}.3`;
export const id_regCtrl_pkiArchiveOptions = `${id_regCtrl}.4`;
export const id_regCtrl_oldCertID = `${id_regCtrl}.5`;
export const id_regCtrl_protocolEncrKey = `${id_regCtrl}.6`;
/** keySpec controls of CertReqTemplateContent (RFC 9810 §5.3.19.16). */
export const id_regCtrl_algId = `${id_regCtrl}.11`;
export const id_regCtrl_rsaKeyLen = `${id_regCtrl}.12`;

/** id-regInfo (RFC 4211 §7). */
export const id_regInfo = "1.3.6.1.5.5.7.5.2";
export const id_regInfo_utf8Pairs = `${id_regInfo}.1`;
export const id_regInfo_certReq = `${id_regInfo}.2`;
