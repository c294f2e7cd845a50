/**
 * A service's Kubernetes manifest (deploy/k8s/base/<name>.yaml): its Deployment, the headless
 * Service that lets Prometheus find its admin ports, and its PodDisruptionBudget. Every service
 * gets the same one; only the name, the Secret's keys and the header differ.
 */
import { envPrefix, sentence } from "./names.js";

export function serviceManifest(name: string, calls: readonly string[]): string {
  const prefix = envPrefix(name);
  const header =
    calls.length === 0
      ? [`# The ${name} service: two replicas that find each other, and are found, through NATS; no Service`, "# is needed for RPC (see the headless one below for what it is for)."]
      : [`# The ${name} service: two replicas, found through NATS, which find ${sentence(calls)} the same`, "# way; no Service is needed for RPC (see the headless one below for what it is for)."];
  return `${header.join("\n")}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: api-gateway
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/component: service
    app.kubernetes.io/part-of: api-gateway
spec:
  replicas: 2
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # A new pod must be ready (registered) before an old one goes.
      maxUnavailable: 0
      maxSurge: 1
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${name}
        app.kubernetes.io/component: service
        app.kubernetes.io/part-of: api-gateway
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
        prometheus.io/path: /metrics
    spec:
      # preStop sleep (5 s) + SHUTDOWN_TIMEOUT_MS (10 s) + 5 s to deregister and close the pool.
      terminationGracePeriodSeconds: 20
      automountServiceAccountToken: false
      # No NATS_PORT, POSTGRES_PORT... variables from the namespace's Services: nothing reads them.
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              app.kubernetes.io/name: ${name}
      containers:
        - name: ${name}
          image: api-gateway:0.1.0
          imagePullPolicy: IfNotPresent
          envFrom:
            - configMapRef:
                name: api-gateway-config
          env:
            - name: PROGRAM
              value: ${name}
            # Advertised to the registry explicitly rather than guessed from the interfaces,
            # which with a service mesh or several networks may not be the pod's own IP.
            - name: POD_IP
              valueFrom:
                fieldRef:
                  fieldPath: status.podIP
            - name: MICRO_SERVER_ADVERTISE
              value: $(POD_IP):9000
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: api-gateway-secrets
                  key: ${prefix}_DATABASE_URL
            # The shared secret every program signs and checks calls with.
            - name: MICRO_AUTH_SECRET
              valueFrom:
                secretKeyRef:
                  name: api-gateway-secrets
                  key: MICRO_AUTH_SECRET
            # This program's own NATS credential: without it NATS refuses the connection, so no
            # other pod can register as ${name} and receive its traffic.
            - name: MICRO_NATS_NKEY_SEED
              valueFrom:
                secretKeyRef:
                  name: api-gateway-secrets
                  key: ${prefix}_NATS_NKEY_SEED
          ports:
            - name: rpc
              containerPort: 9000
            - name: admin
              containerPort: 9090
          # The first start applies migrations before the admin port answers.
          startupProbe:
            httpGet:
              path: /health
              port: admin
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet:
              path: /health
              port: admin
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: admin
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          lifecycle:
            # Kubernetes removes the pod from endpoints while SIGTERM is already on its way; the
            # sleep lets that (and the callers' registry caches) catch up first. The image has
            # /bin/sleep.
            preStop:
              exec:
                command: ["sleep", "5"]
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: "1"
              memory: 512Mi
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        # PGlite is not used here (DATABASE_URL is set), so /tmp is the only writable place needed.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
---
# Headless (no virtual IP, no load balancing): RPC callers pick nodes from the registry, not from
# this. It exists so Prometheus (or a ServiceMonitor) can discover each pod's admin port.
apiVersion: v1
kind: Service
metadata:
  name: ${name}-admin
  namespace: api-gateway
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/component: service
    app.kubernetes.io/part-of: api-gateway
spec:
  clusterIP: None
  selector:
    app.kubernetes.io/name: ${name}
  ports:
    - name: admin
      port: 9090
      targetPort: admin
---
# Voluntary evictions (node drains, upgrades) leave at least one replica serving.
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${name}
  namespace: api-gateway
  labels:
    app.kubernetes.io/name: ${name}
    app.kubernetes.io/part-of: api-gateway
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${name}
`;
}
