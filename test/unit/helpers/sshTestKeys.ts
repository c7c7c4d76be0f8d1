/** Public keys made once with ssh-keygen; fingerprints as `ssh-keygen -l` printed them. */
export const TEST_KEYS = {
  ed25519A: { line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN1+Uqx/fyFwmk6Wcj7suS5//LatTd1Ugzj5zwh6zJpG', fingerprint: 'SHA256:QRBUNwMtqfGGY+3biu/5L6+y8wyQ0Oxf9yM7AvkzXbo' },
  ed25519B: { line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIICCFTJ+I7Kcw/UvCMHZ5O40bfiaOwKIXTyZp0/OTUI5', fingerprint: 'SHA256:PerE4ioWXIerwcYmPrU35j+EH48BPHcrXIC6CHU5lMo' },
  ecdsa: {
    line: 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBGYyxz5xojf7FC/3z5ZnZCRCC6ph6gUfugeFgG1fRYLSgAs0Aiz4Rq2TqhrafsWCUGUX8gknGScpYkZ6ePoTfYc=',
    fingerprint: 'SHA256:OvwzsBXEl19Hcgv4nQWjZxn8Hup90RGM7VvNT69Dl9o',
  },
  rsa: {
    line:
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCt075Rb4f9tXGC937FalCLTNkET3EEHdulJZgUEzgVYqkBmA9AdMgEp1RzmhQy6UhpCrRWnR9fanhgxzIKMr1F91dklsuMi5/qVeBv07BWHITnJTMV3LULKncmC6qnpoFi9UXsxCwPs4vwOXMIqhFDrXgvF5QnHz33xWs+PpGM8w==',
    fingerprint: 'SHA256:CkXgfzhl3bnQGdhXkJRHNYphbXDg7nPfF1LeZh5Fl70',
  },
};
export const blobOf = (line: string): Buffer => Buffer.from(line.split(' ')[1], 'base64');
